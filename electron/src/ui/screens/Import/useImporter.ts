import { useRef, useState } from 'react';
import { ApiError, parseManualNumbers, uploadFile } from '../../api/client';
import type { ImportInfo } from '../../api/types';

export type ImportSource = { kind: 'file'; fileName: string } | { kind: 'paste'; text: string };

export interface ImporterState {
  phase: 'idle' | 'uploading' | 'processing';
  progress: number;
  fileName: string | null;
  error: ApiError | null;
}

const IDLE: ImporterState = { phase: 'idle', progress: 0, fileName: null, error: null };

/** Upload/paste state machine: idle → uploading (bytes) → processing (server) → done or error. */
export function useImporter(onImported: (info: ImportInfo, source: ImportSource) => void) {
  const [state, setState] = useState<ImporterState>(IDLE);
  const abortRef = useRef<AbortController | null>(null);

  const fail = (err: unknown) => {
    const error = err instanceof ApiError ? err : new ApiError('error', String(err), 0);
    setState({ ...IDLE, error: error.code === 'aborted' ? null : error });
  };

  const upload = async (file: Blob, fileName: string, region: string) => {
    const controller = new AbortController();
    abortRef.current = controller;
    setState({ phase: 'uploading', progress: 0, fileName, error: null });
    try {
      const info = await uploadFile({
        file, fileName, defaultRegion: region, signal: controller.signal,
        onProgress: (progress) => setState((s) => ({ ...s, progress })),
        onUploaded: () => setState((s) => ({ ...s, phase: 'processing', progress: 1 })),
      });
      setState(IDLE);
      onImported(info, { kind: 'file', fileName });
    } catch (err) {
      fail(err);
    }
  };

  const paste = async (text: string, region: string) => {
    setState({ phase: 'processing', progress: 1, fileName: null, error: null });
    try {
      const info = await parseManualNumbers(text, region);
      setState(IDLE);
      onImported(info, { kind: 'paste', text });
    } catch (err) {
      fail(err);
    }
  };

  const cancel = () => abortRef.current?.abort();
  const clearError = () => setState((s) => ({ ...s, error: null }));
  return { state, upload, paste, cancel, clearError };
}
