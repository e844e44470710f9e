import fs from 'node:fs';
import path from 'node:path';

import { SidecarError } from './sidecarError';

/** Folder under the resources directory that holds the frozen sidecar (electron-builder extraResources). */
export const SIDECAR_RESOURCE_DIR = 'sidecar';
/** Name of the PyInstaller executable (see python-backend/sidecar.spec). */
export const SIDECAR_BINARY_NAME = 'bulkmsg-sidecar';

/** Where the app runs from: a packaged install, or the repository checkout. */
export interface SidecarLayout {
  isPackaged: boolean;
  /** process.resourcesPath in a packaged app. */
  resourcesPath: string;
  /** The electron/ folder (app.getAppPath() in development). */
  appPath: string;
  platform?: NodeJS.Platform;
  /** Development override for the interpreter (BULKMSG_PYTHON). */
  pythonOverride?: string;
}

/** How to run the sidecar: the executable, the arguments before its flags, and its working directory. */
export interface SidecarCommand {
  kind: 'frozen' | 'python';
  command: string;
  entry: string[];
  cwd: string;
}

/** The frozen binary under resourcesPath when packaged, else the repo's venv Python running app.py. */
export function findSidecar(layout: SidecarLayout): SidecarCommand {
  return layout.isPackaged ? findFrozen(layout) : findDevelopment(layout);
}

/** <resources>/sidecar/bulkmsg-sidecar[.exe]. */
function findFrozen({ resourcesPath, platform = process.platform }: SidecarLayout): SidecarCommand {
  const dir = path.join(resourcesPath, SIDECAR_RESOURCE_DIR);
  const command = path.join(dir, platform === 'win32' ? `${SIDECAR_BINARY_NAME}.exe` : SIDECAR_BINARY_NAME);
  requireFile(command, 'The installed app is missing its sidecar program. Reinstall the app.');
  return { kind: 'frozen', command, entry: [], cwd: dir };
}

/** <repo>/.venv's Python with <repo>/python-backend/app.py, the repo being the parent of electron/. */
function findDevelopment({ appPath, platform = process.platform, pythonOverride }: SidecarLayout): SidecarCommand {
  const repo = path.resolve(appPath, '..');
  const venvPython =
    platform === 'win32' ? path.join(repo, '.venv', 'Scripts', 'python.exe') : path.join(repo, '.venv', 'bin', 'python');
  const command = pythonOverride || venvPython;
  const script = path.join(repo, 'python-backend', 'app.py');
  requireFile(
    command,
    'No Python virtual environment for the sidecar. From the repository root run: ' +
      'python -m venv .venv && .venv/bin/pip install -r python-backend/requirements.txt',
  );
  requireFile(script, 'The sidecar entry point python-backend/app.py is missing from the checkout.');
  return { kind: 'python', command, entry: [script], cwd: repo };
}

/** Throw sidecar_missing naming the file when it does not exist. */
function requireFile(file: string, hint: string): void {
  if (!fs.existsSync(file)) throw new SidecarError('sidecar_missing', `${hint} (looked for ${file})`);
}
