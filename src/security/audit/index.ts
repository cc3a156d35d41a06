/** security/audit: the tamper-evident audit trail (writer, verifier, reader, SIEM export). */
export { AuditLog, AUDIT_DEFAULTS, MIN_HMAC_KEY_BYTES, type AuditLogOptions } from './audit-log.js';
export {
  AUDIT_RESULTS, GENESIS_HASH, FIELD_LIMITS, hashEntry, entryLine,
  type AuditEntry, type AuditEvent, type AuditMetadata, type AuditResult,
} from './audit-entry.js';
export { verifyAuditLog, type VerifyReport, type ChainProblem, type TamperKind } from './verify-chain.js';
export { queryAuditLog, scanAuditLog, entryMatches, DEFAULT_MAX_SCAN, type AuditQuery, type AuditPage, type AuditFilter, type AuditScan } from './audit-reader.js';
export { writeNdjson, sendToHttp, sendToSyslog, formatSyslog, type HttpSinkOptions, type SyslogOptions } from './siem-export.js';
export { listAuditFiles, type AuditFile } from './audit-files.js';
export { auditLogFromConfig, auditDirFrom, decodeHmacKey, type AuditFromConfigOptions } from './audit-from-config.js';
