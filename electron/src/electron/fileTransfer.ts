import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import type { OpenedFile } from '../ui/desktopApi';

/** Larger picks are refused before reading; the sidecar's own upload limit is far below this. */
export const MAX_OPEN_BYTES = 512 * 1024 * 1024;

/** Read the file the user picked into memory for the renderer, refusing absurd sizes. */
export async function readPickedFile(filePath: string, maxBytes = MAX_OPEN_BYTES): Promise<OpenedFile> {
  const { size } = await fsp.stat(filePath);
  if (size > maxBytes) {
    throw new Error(`${path.basename(filePath)} is ${Math.round(size / 1e6)} MB; the limit is ${Math.round(maxBytes / 1e6)} MB.`);
  }
  const buffer = await fsp.readFile(filePath);
  // Hand over exactly this file's bytes, not Node's shared pool slab.
  const data = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
  return { name: path.basename(filePath), data };
}

/**
 * Download url into target. The body goes to a temporary file beside the target that is renamed only
 * when complete, so a failed download never leaves a half-written file behind.
 */
export async function downloadToFile(url: string, target: string): Promise<void> {
  const partial = `${target}.${process.pid}.part`;
  const res = await get(url);
  try {
    if (res.statusCode !== 200) throw new Error(await errorMessage(res));
    await pipeline(res, fs.createWriteStream(partial));
    await fsp.rename(partial, target);
  } catch (error) {
    res.resume();
    await fsp.rm(partial, { force: true });
    throw error;
  }
}

/** GET url, resolving with the response stream. */
function get(url: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, resolve).on('error', reject);
  });
}

/** The sidecar's JSON error message ({"error": ...}), or the status line. */
async function errorMessage(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: string };
    if (body.error) return `The sidecar refused the download: ${body.error}`;
  } catch {
    // Not the sidecar's JSON error shape; fall back to the status.
  }
  return `The download failed with HTTP ${res.statusCode}.`;
}
