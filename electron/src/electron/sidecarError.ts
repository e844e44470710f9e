/** Why the sidecar could not be started, kept running or stopped. */
export type SidecarErrorCode =
  | 'already_running'
  | 'port_in_use'
  | 'port_in_use_by_sidecar'
  | 'spawn_failed'
  | 'early_exit'
  | 'ready_timeout'
  | 'stopped_during_start'
  | 'restart_limit'
  | 'stop_timeout'
  | 'sidecar_missing'
  | 'data_dir_in_use';

/** A sidecar failure with a stable code and a message written for the user. */
export class SidecarError extends Error {
  constructor(
    readonly code: SidecarErrorCode,
    message: string,
    readonly logLines: string[] = [],
  ) {
    super(message);
    this.name = 'SidecarError';
  }
}
