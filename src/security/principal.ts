/** Who made a request, once authenticated: what the audit log records and RBAC decides on. */
export interface Principal {
  /** Stable id: the key id, the JWT `sub` (with issuer), or `static:api_key` for a configured key. */
  id: string;
  /** How the principal proved itself. */
  kind: 'api-key' | 'jwt' | 'static-key' | 'anonymous';
  /** Role names granted to it. */
  roles: string[];
}
