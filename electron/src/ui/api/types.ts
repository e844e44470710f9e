/**
 * Names for the sidecar's JSON shapes. Every shape comes from the generated OpenAPI types
 * (src/generated/openapi.ts, made by scripts/gen-api-types); nothing here restates a field.
 */
import type { components, operations } from '../../generated/openapi';

type Schemas = components['schemas'];
type OperationId = keyof operations;

/** The JSON body an operation answers with on success (200 or 201). */
export type Answer<Op extends OperationId> = operations[Op]['responses'] extends infer R
  ? R extends { 200: { content: { 'application/json': infer B } } } ? B
    : R extends { 201: { content: { 'application/json': infer B } } } ? B : never
  : never;

/** The JSON request body an operation takes. */
export type RequestBody<Op extends OperationId> = operations[Op] extends {
  requestBody?: { content: { 'application/json': infer B } };
} ? B : never;

// Contacts: imports, rows, the number checker.
export type Summary = Schemas['Summary'];
export type ImportRow = Schemas['Row'];
export type RowStatus = ImportRow['status'];
export type StatusFilter = 'all' | RowStatus;
export type ColumnMapping = Schemas['Columns'];
/** What an upload, paste or remap answers (asked with limit=0, so without the row arrays). */
export type ImportInfo = Answer<'upload'>;
export type RowsPage = Answer<'getImportRows'>;
export type PatchRowResult = Answer<'fixImportRow'>;
export type RegionsResponse = Answer<'regions'>;
export type Region = RegionsResponse['regions'][number];
export type NumberCheck = Answer<'validateNumber'>;
export type RemapRequest = RequestBody<'remapImport'>;
type ExportQuery = NonNullable<operations['exportImport']['parameters']['query']>;
export type ExportWhat = NonNullable<ExportQuery['what']>;
export type ExportFormat = NonNullable<ExportQuery['format']>;

// Messaging: saved lists, templates, channels, campaigns.
export type SavedList = Schemas['SavedList'];
export type ListContact = Schemas['ListContact'];
export type ContactsPage = Answer<'listSavedListContacts'>;
export type ListCreated = Schemas['ListCreated'];
export type DoNotContactEntry = Schemas['DoNotContactEntry'];
export type Template = Schemas['Template'];
export type Channel = Schemas['Channel'];
export type ChannelType = Channel['type'];
export type WhatsAppWebLink = Schemas['WhatsAppWebLink'];
export type Attachment = Schemas['Attachment'];
export type WhatsAppCheckJob = Schemas['WhatsAppCheckJob'];
export type WhatsAppWebStatus = WhatsAppWebLink['status'];
export type ComposePreview = Answer<'composePreview'>;
/** A campaign as listed, and as read alone (with what it is waiting for). */
export type Campaign = Schemas['Campaign'];
export type CampaignLive = Schemas['CampaignLive'];
export type CampaignStatus = Schemas['CampaignStatus'];
export type Recipient = Schemas['Recipient'];
export type RecipientStatus = Schemas['RecipientStatus'];
export type RecipientsPage = Answer<'listCampaignRecipients'>;
export type PacingInput = Schemas['PacingInput'];
export type CampaignAction = 'start' | 'pause' | 'resume' | 'cancel';
/** The `progress` event of a campaign's stream, and one outcome in it. */
export type ProgressEvent = Schemas['CampaignEventProgress'];
export type Outcome = ProgressEvent['latest'][number];
export type Health = Answer<'health'>;
/** GET /health's storage state: ok, storage_full or storage_error, with the sidecar's message. */
export type StorageHealth = Health['storage'];
// Team mode: who is logged in, users and the audit log.
export type SessionInfo = Answer<'getSession'>;
export type Role = Schemas['User']['role'];
export type User = Schemas['User'];
export type AuditEntry = Schemas['AuditEntry'];
export type AuditPage = Answer<'auditLog'>;
