"""What the compose check needs of a list, kept with the list (issue 18): its contacts counted by shape, and its
field-name layouts with the first contact of each.

A contact's shape is all the compose check can tell of it without its values: whether the stripped name is empty,
one word or more (name, first_name, last_name), whether number and email are absent, blank or filled (the channel
skip tests truthiness, the placeholder check the stripped text), and its field names in order, each marked empty
or not exactly as render.lookup reads it (`str(value or "").strip()`). render.empty_of on a shape's stand-in
contact answers what it answers on every contact of that shape, so the warnings' counts come from a few shape rows
instead of a JSON decode of every contact. A list's contacts usually share one layout (the import's columns) and a
handful of shapes.

Every write of list_contacts calls into here inside its own transaction, so the counts never drift from the rows.
"""
from collections import Counter

from .util import dumps, loads


def mark(value):
    """A stand-in for a number or email: '' when absent, ' ' when blank, 'x' when filled."""
    if not value:
        return ""
    return "x" if str(value).strip() else " "


def shape_of(name, number, email, fields):
    """(shape text, layout text) of one contact: the stand-in the compose check reads, and its field names."""
    shape, layout = shape_key(name, number, email, fields)
    return shape_text(shape), dumps(list(layout))


def shape_key(name, number, email, fields):
    """(shape, layout) of one contact as tuples (texts are written only for the distinct ones)."""
    name = (name or "").strip()
    words = "a b" if " " in name else ("a" if name else "")
    keys, filled = field_marks(fields or {})
    return (words, mark(number), mark(email), keys, filled), keys


def field_marks(fields):
    """(field names, filled marks) of a FIELDS dict, each marked as render.lookup reads it."""
    return tuple(fields), tuple(1 if str(value or "").strip() else 0 for value in fields.values())


def shape_text(shape):
    """The stored text of a shape key."""
    words, number, email, keys, marks = shape
    return dumps([words, number, email, [[key, filled] for key, filled in zip(keys, marks)]])


def row_shape(row):
    """shape_of a list_contacts row."""
    return shape_of(row["name"], row["number"], row["email"], loads(row["fields"], {}))


def stand_in(shape):
    """The contact a shape text stands for (what render.lookup and the channel skip read)."""
    words, number, email, marks = loads(shape)
    return {"name": words, "number": number, "email": email,
            "fields": {key: "x" if filled else "" for key, filled in marks}}


def add(conn, list_id, shapes, layouts):
    """Count SHAPES ({shape: contacts}) and LAYOUTS ({layout: (contacts, first id)}) into LIST_ID."""
    conn.executemany("INSERT INTO list_shapes (list_id, shape, contacts) VALUES (?,?,?) ON CONFLICT (list_id, shape)"
                     " DO UPDATE SET contacts = list_shapes.contacts + excluded.contacts",
                     [(list_id, shape, n) for shape, n in shapes.items()])
    conn.executemany("INSERT INTO list_layouts (list_id, layout, contacts, first_id) VALUES (?,?,?,?) ON CONFLICT "
                     "(list_id, layout) DO UPDATE SET contacts = list_layouts.contacts + excluded.contacts, "
                     "first_id = CASE WHEN excluded.first_id < list_layouts.first_id THEN excluded.first_id "
                     "ELSE list_layouts.first_id END",
                     [(list_id, layout, n, first) for layout, (n, first) in layouts.items()])


def tally(rows):
    """({shape: contacts}, {layout: (contacts, first id)}) of ROWS ((id, name, number, email, fields text)) in
    ascending id order.

    The loop only counts what the shape needs of the name, number and email beside the fields text, in C where it
    can (Counter, setdefault); each distinct fields text is then decoded once (an import's contacts often share
    theirs: a city, a tag), so a 89k-contact batch costs a fraction of a JSON decode per contact."""
    counts, first_of = Counter(), {}
    for contact_id, name, number, email, fields in rows:
        first_of.setdefault(fields, contact_id)
        name = (name or "").strip()
        # mark() inline: two calls per contact were a fifth of the loop
        counts[("a b" if " " in name else "a" if name else "",
                "" if not number else "x" if str(number).strip() else " ",
                "" if not email else "x" if str(email).strip() else " ", fields)] += 1
    shapes, layouts, marks_of = {}, {}, {}
    for (words, number, email, fields), n in counts.items():
        marks = marks_of.get(fields)
        if marks is None:
            marks = marks_of[fields] = field_marks(loads(fields, {}) or {})
        shape, layout = (words, number, email, *marks), marks[0]
        shapes[shape] = shapes.get(shape, 0) + n
        contacts, first = layouts.get(layout, (0, first_of[fields]))
        layouts[layout] = (contacts + n, min(first, first_of[fields]))
    return ({shape_text(shape): n for shape, n in shapes.items()},
            {dumps(list(layout)): counted for layout, counted in layouts.items()})


def counted(batch):
    """(BATCH, its tally with positions for ids) for a batch of lists.contact_values tuples: what `inserted` needs,
    computed before the insert so that it can run beside the previous batch's (core.ahead)."""
    return batch, tally((i, v[3], v[0], v[2], v[4]) for i, v in enumerate(batch))


def inserted(conn, list_id, batch, rowcount, counts, before=None):
    """The (shapes, layouts with first ids) of a batch of INSERTs of BATCH into LIST_ID (contact_values tuples, in
    statement order), ROWCOUNT of which went in (the rest were duplicates), for add(); COUNTS is counted(BATCH)[1].
    BEFORE (PostgreSQL): the list's highest id before the insert, since there ids are not consecutive (a skipped
    duplicate still takes a sequence value)."""
    if not rowcount:
        return {}, {}
    if before is None:
        last = conn.execute("SELECT max(id) FROM list_contacts WHERE list_id=?", (list_id,)).fetchone()[0]
        if rowcount == len(batch):  # one statement under the write lock: the ids are consecutive, in batch order
            shapes, layouts = counts
            first_id = last - rowcount + 1
            return shapes, {layout: (n, first_id + first) for layout, (n, first) in layouts.items()}
        before = last - rowcount  # some were skipped as duplicates: the ones that went in end at LAST
    rows = conn.execute("SELECT id, name, number, email, fields FROM list_contacts WHERE list_id=? AND id>? "
                        "ORDER BY id", (list_id, before))
    return tally(rows)


def merge(shapes, layouts, more_shapes, more_layouts):
    """Add MORE_SHAPES and MORE_LAYOUTS (as add() takes them) into SHAPES and LAYOUTS."""
    for shape, n in more_shapes.items():
        shapes[shape] = shapes.get(shape, 0) + n
    for layout, (n, first) in more_layouts.items():
        contacts, earliest = layouts.get(layout, (0, first))
        layouts[layout] = (contacts + n, min(earliest, first))


def changed(conn, list_id, contact_id, old, new):
    """Move one contact from shape/layout OLD to NEW ((shape, layout) or None), after its row was written."""
    if old == new:
        return
    if new is not None:
        add(conn, list_id, {new[0]: 1} if old is None or old[0] != new[0] else {},
            {new[1]: (1, contact_id)} if old is None or old[1] != new[1] else {})
    if old is not None:
        if new is None or old[0] != new[0]:
            drop_shape(conn, list_id, old[0])
        if new is None or old[1] != new[1]:
            drop_layout(conn, list_id, old[1], contact_id)


def drop_shape(conn, list_id, shape):
    """One contact fewer of SHAPE."""
    conn.execute("UPDATE list_shapes SET contacts = contacts - 1 WHERE list_id=? AND shape=?", (list_id, shape))
    conn.execute("DELETE FROM list_shapes WHERE list_id=? AND shape=? AND contacts <= 0", (list_id, shape))


def drop_layout(conn, list_id, layout, contact_id):
    """One contact (CONTACT_ID) fewer of LAYOUT; when it was the first, the next contact with LAYOUT becomes it."""
    conn.execute("UPDATE list_layouts SET contacts = contacts - 1 WHERE list_id=? AND layout=?", (list_id, layout))
    conn.execute("DELETE FROM list_layouts WHERE list_id=? AND layout=? AND contacts <= 0", (list_id, layout))
    row = conn.execute("SELECT first_id FROM list_layouts WHERE list_id=? AND layout=?", (list_id, layout)).fetchone()
    if row is None or row[0] != contact_id:
        return
    keys = loads(layout)
    for next_id, fields in conn.execute("SELECT id, fields FROM list_contacts WHERE list_id=? AND id>? ORDER BY id",
                                        (list_id, contact_id)):
        if list(loads(fields, {})) == keys:  # usually the very next contact (one layout per import)
            conn.execute("UPDATE list_layouts SET first_id=? WHERE list_id=? AND layout=?", (next_id, list_id, layout))
            return


def contact_shape(conn, contact_id):
    """(shape, layout) of a stored contact, None when there is none (read inside the writer's transaction)."""
    row = conn.execute("SELECT name, number, email, fields FROM list_contacts WHERE id=?", (contact_id,)).fetchone()
    return None if row is None else row_shape(row)


def field_names(conn, list_id):
    """The field names of LIST_ID's contacts in order of first appearance (contact id, then position)."""
    names = {}
    for (layout,) in conn.execute("SELECT layout FROM list_layouts WHERE list_id=? ORDER BY first_id", (list_id,)):
        for key in loads(layout):
            names.setdefault(key, None)
    return list(names)


def shapes(conn, list_id):
    """[(stand-in contact, contacts)] of LIST_ID."""
    return [(stand_in(shape), n) for shape, n in conn.execute(
        "SELECT shape, contacts FROM list_shapes WHERE list_id=?", (list_id,))]


def rebuild(conn, list_id):
    """Recount LIST_ID from its rows (the migration's backfill)."""
    conn.execute("DELETE FROM list_shapes WHERE list_id=?", (list_id,))
    conn.execute("DELETE FROM list_layouts WHERE list_id=?", (list_id,))
    rows = conn.execute("SELECT id, name, number, email, fields FROM list_contacts WHERE list_id=? ORDER BY id",
                        (list_id,))
    add(conn, list_id, *tally(rows))
