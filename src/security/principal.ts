/** Who made a request, once authenticated: what the audit log records and RBAC decides on. */
import type { Grant } from './rbac/role.js';

export interface Principal {
  /** Stable id: `key:<id>` for a stored key, `jwt:<issuer>#<sub>`, `static:api_key` for a configured key. */
  id: string;
  /** How the principal proved itself. */
  kind: 'api-key' | 'jwt' | 'static-key' | 'anonymous';
  /** Human name (a key's name, a token's subject), for logs and the audit trail. */
  name?: string;
  /** Role names granted to it. */
  roles: string[];
  /** Grants given directly rather than through a role (Qdrant's per-collection `access` claim). */
  grants?: Grant[];
  /**
   * Collection patterns this credential is confined to (`docs*`). When set, it can touch only
   * matching collections and no cluster or system resource, whatever its roles say.
   */
  collections?: string[];
}
