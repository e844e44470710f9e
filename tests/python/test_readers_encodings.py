"""Contact files in the legacy encodings people's tools still write (Excel for Mac's Mac Roman, Windows code
pages for Central Europe, Cyrillic, Greek, Hebrew and Arabic, KOI8-R, and the Chinese, Japanese and Korean
multi-byte ones), none with a byte-order mark: each is decoded to exactly its text, so header words the engine
knows find their columns and names come out readable, through the reader, /upload and the command line."""
import json
import os
import subprocess
import sys

import pytest

from support.paths import REPO
from support.readers import cells, read_bytes

# (code page, CSV text): contact lists as people write them, header words in the file's language.
FILES = [
    ("mac_roman", "Nom,Téléphone\nJosé Müller,+49 30 1234567\nFrançois Lefèvre,+33 1 23 45 67 89\nZoë Ñúñez,+34 912 345 678\n"),
    ("mac_roman", "Nombre,Teléfono\nIñaki Peña,+34 612 345 678\nAraceli Núñez,+34 622 345 678\n"),
    ("mac_roman", "Name,Telefon\nJürgen Groß,+49 151 23456789\nGrüße aus Köln,+49 221 1234567\n"),
    ("cp1252", "Name,Phone\nBœuf – l’Été €,+33 6 12 34 56 78\nJosé Müller,+49 30 1234567\n"),
    ("cp1252", "Nombre,Teléfono\nIñaki Peña,+34 612 345 678\nAraceli Núñez,+34 622 345 678\n"),
    ("cp1250", "Imię i nazwisko,Telefon\nŁukasz Wójcik,+48 512 345 678\nAgnieszka Dąbrowska,+48 601 234 567\n"),
    ("cp1251", "Имя,Телефон\nИван Петров,+7 916 123-45-67\nОльга Смирнова,+7 903 765-43-21\n"),
    ("cp1251", "Ім'я,Телефон\nОлена Коваленко,+380 67 123 4567\nТарас Шевчук,+380 50 765 4321\n"),
    ("koi8_r", "Имя,Телефон\nИван Петров,+7 916 123-45-67\nОльга Смирнова,+7 903 765-43-21\n"),
    ("iso8859_7", "Όνομα,Τηλέφωνο\nΓιώργος Παπαδόπουλος,+30 691 234 5678\nΜαρία Νικολάου,+30 697 654 3210\n"),
    ("cp1255", "שם,טלפון\nדוד כהן,+972 50 234 5678\nשרה לוי,+972 52 765 4321\n"),
    ("cp1256", "الاسم,الهاتف\nمحمد علي,+966 50 123 4567\nفاطمة حسن,+966 55 765 4321\n"),
    ("shift_jis", "氏名,電話番号\n山田太郎,090-1234-5678\n佐藤花子,080-2345-6789\n"),
    ("gb18030", "姓名,手机号码\n张伟,138 0013 8000\n王芳,139 0013 9000\n"),
    ("big5", "姓名,電話\n陳大文,0912-345-678\n林小美,0922-333-444\n"),
    ("euc_kr", "이름,전화번호\n김민수,010-1234-5678\n이영희,010-2345-6789\n"),
]


def rows_of(text):
    """The cells of CSV TEXT (no quoting in these files)."""
    return [line.split(",") for line in text.strip("\n").split("\n")]


@pytest.mark.parametrize("encoding,text", FILES, ids=["%s-%d" % (e, i) for i, (e, _) in enumerate(FILES)])
def test_a_legacy_encoding_decodes_to_exactly_its_text(tmp_path, encoding, text):
    assert cells(read_bytes(tmp_path, "list.csv", text.encode(encoding))) == rows_of(text)


@pytest.mark.parametrize("encoding,text,region", [
    ("cp1251", FILES[6][1], "RU"), ("koi8_r", FILES[8][1], "RU"), ("cp1250", FILES[5][1], "PL"),
    ("mac_roman", FILES[0][1], "FR"), ("iso8859_7", FILES[9][1], "GR"), ("cp1255", FILES[10][1], "IL"),
    ("cp1256", FILES[11][1], "SA"), ("shift_jis", FILES[12][1], "JP"), ("gb18030", FILES[13][1], "CN"),
    ("big5", FILES[14][1], "TW"), ("euc_kr", FILES[15][1], "KR"),
], ids=["cp1251", "koi8_r", "cp1250", "mac_roman", "iso8859_7", "cp1255", "cp1256", "shift_jis", "gb18030", "big5",
        "euc_kr"])
def test_an_upload_in_a_legacy_encoding_gives_readable_names_and_every_number(sidecar, encoding, text, region):
    answer = sidecar.post("/upload", files={"file": ("list.csv", text.encode(encoding))},
                          data={"default_region": region})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = rows_of(text)[1:]
    assert [c["name"] for c in body["contacts"]] == [name for name, _ in expected]
    assert body["columns"]["phone"] == rows_of(text)[0][1], "the header word found the phone column"
    assert body["summary"]["valid"] == len(expected)


def test_the_command_line_reads_a_koi8_file(tmp_path):
    text = FILES[8][1]
    path = tmp_path / "list.csv"
    path.write_bytes(text.encode("koi8_r"))
    tool = os.path.join(REPO, "python-backend", "extract_contacts.py")
    out = subprocess.run([sys.executable, str(tool), str(path), "--region", "RU"], capture_output=True, check=True)
    body = json.loads(out.stdout)
    assert [c["name"] for c in body["contacts"]] == ["Иван Петров", "Ольга Смирнова"]
