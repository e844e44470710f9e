/** Readers for downloaded exports: CSV (RFC 4180), XLSX (zip of XML) and vCard. */
import { strFromU8, unzipSync } from './deps.mjs';

/** Rows of a CSV text (quoted fields, doubled quotes, CRLF). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 1; } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** Decode the five XML entities. */
function unescapeXml(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Text of every <si> in sharedStrings.xml (rich text runs joined). */
function sharedStrings(files) {
  const xml = files['xl/sharedStrings.xml'] ? strFromU8(files['xl/sharedStrings.xml']) : '';
  return [...xml.matchAll(/<si>([\s\S]*?)<\/si>/g)].map(([, si]) =>
    [...si.matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map(([, t]) => unescapeXml(t)).join(''));
}

/** Cells of worksheet number SHEET (0: the first) as rows of {type, text}; type is the t attribute (n when absent). */
export function xlsxCells(buffer, sheet = 0) {
  const files = unzipSync(new Uint8Array(buffer));
  const strings = sharedStrings(files);
  const sheetName = Object.keys(files).filter((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n)).sort()[sheet];
  const xml = strFromU8(files[sheetName]);
  return [...xml.matchAll(/<row[^>]*>([\s\S]*?)<\/row>/g)].map(([, row]) =>
    [...row.matchAll(/<c ([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)].map(([, attrs, inner = '']) => {
      const type = /\bt="([^"]+)"/.exec(attrs)?.[1] ?? 'n';
      const value = /<v>([\s\S]*?)<\/v>/.exec(inner)?.[1];
      const inline = /<t[^>]*>([\s\S]*?)<\/t>/.exec(inner)?.[1];
      const text = type === 's' ? strings[Number(value)] : unescapeXml(inline ?? value ?? '');
      return { type, text };
    }));
}

/** The vCards of a .vcf text as {fn, tel}. */
export function parseVcards(text) {
  return [...text.matchAll(/BEGIN:VCARD\r?\n([\s\S]*?)END:VCARD/g)].map(([, card]) => ({
    fn: /^FN:(.*)$/m.exec(card)?.[1]?.trim() ?? '',
    tel: /^TEL[^:]*:(.*)$/m.exec(card)?.[1]?.trim() ?? '',
  }));
}
