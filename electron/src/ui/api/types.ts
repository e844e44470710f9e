/** Shapes of the sidecar's JSON, as written in docs/api.md. */

export type RowStatus = 'valid' | 'invalid' | 'duplicate';
export type StatusFilter = 'all' | RowStatus;

export interface Summary {
  rows: number;
  entries: number;
  valid: number;
  invalid: number;
  duplicates: number;
}

export interface ColumnMapping {
  phone: string | null;
  phone_fallbacks?: string[];
  name: string[] | string | null;
  country: string | null;
  email?: string | null;
  header_row?: number | null;
}

/** The upload/parse/remap response without the three arrays (what GET /imports/<id> returns). */
export interface ImportInfo {
  success?: boolean;
  import_id: string;
  region: string;
  region_source?: string;
  summary: Summary;
  columns?: ColumnMapping | null;
  headers?: string[];
  preview?: string[][];
  sheets?: string[] | null;
  sheet?: string | null;
  file_type?: string;
  truncated?: boolean;
  message?: string;
  count?: number;
}

export interface ImportRow {
  id: number;
  row: number;
  status: RowStatus;
  value: string;
  number: string | null;
  name: string | null;
  fields?: Record<string, string> | null;
  reason?: string | null;
  message?: string | null;
  duplicate_of_row?: number | null;
}

export interface RowsPage {
  total: number;
  offset: number;
  limit: number;
  rows: ImportRow[];
}

export interface PatchRowResult {
  row: ImportRow;
  summary: Summary;
}

export interface Region {
  code: string;
  calling_code: number;
}

export interface RegionsResponse {
  default_region: string;
  regions: Region[];
}

export interface NumberCheck {
  valid: boolean;
  cleaned_number: string | null;
  original: string;
  e164: string | null;
  national: string | null;
  international: string | null;
  region: string | null;
  type: string | null;
  region_assumed?: string | null;
  reason?: string;
  message?: string;
}

export interface Health {
  status: string;
  version: string;
  service: string;
}

export interface RemapRequest {
  phone_column?: string | null;
  name_column?: string | null;
  sheet?: string | null;
  default_region?: string;
  country_column?: string | null;
}

export type ExportWhat = 'contacts' | 'rejects';
export type ExportFormat = 'csv' | 'xlsx' | 'vcf';
