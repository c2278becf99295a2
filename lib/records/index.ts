/**
 * The HR records: reading an HR file (CSV, its header), converting each row to the SCIM user the
 * uploader sends, the provisioning scope as Entra evaluates it, and the offline simulation of
 * both. Nothing here sends anything: `validate`, `simulate`, `init`, the emulator and the Logic
 * App definition use it as the uploader (lib/upload) does.
 */
export { checkUploaderColumns, NON_DETERMINISTIC_FUNCTIONS } from "./checks";
export {
  compileConverter,
  type Converter,
  type ConvertedRow,
  expressionFailure,
  type MappingProblem,
  referencedAttributes,
  type RowError,
  type ScimUser,
  serializeUser,
} from "./convert";
export {
  CsvFileError,
  type CsvInput,
  type CsvOptions,
  type CsvProblem,
  type CsvRow,
  headerDelimiter,
  readCsv,
  readCsvBatches,
} from "./csv";
export {
  type CsvEncoding,
  type Header,
  headerBytes,
  MAX_HEADER_BYTES,
  parseHeader,
  readHeader,
} from "./header";
export { LINES_SHOWN, listLines } from "./lines";
export { shownValue } from "./shown";
export { RecordFileError } from "./fault";
export {
  type FieldValue,
  JsonFileError,
  type JsonOptions,
  type JsonRecord,
  NotText,
  readJsonBatches,
  resolvePointer,
  sampleRecord,
  textFields,
} from "./json";
export {
  addressedFields,
  csvSource,
  jsonSource,
  type RecordItem,
  type RecordRow,
  type RecordSource,
  recordSource,
  type SourceInput,
} from "./source";
export { readRest, type RestAccess, type RestRead, RestReadError, type RestSettings } from "./rest";
export { logicAppUploaderChecks, type SimpleMapping, simpleMapping } from "./logicAppChecks";
export {
  BULK_REQUEST_URN,
  convertValue,
  CORE_URN,
  ENTERPRISE_URN,
  resolveScimTarget,
  type ScimTarget,
  type ScimType,
} from "./scim";
export {
  describeClause,
  evaluateClause,
  evaluateScope,
  scopeClauseProblem,
  type ScopeFailure,
  scopeFailures,
  type ScopeResult,
} from "./scope";
export {
  compileSimulator,
  readTarget,
  type RecordSimulator,
  type SimulatedRecord,
  type Simulation,
  simulate,
} from "./simulate";
export { compileWatch, LEAVE_DATE, valueDigest, type Watch, type WatchedValue } from "./watch";
