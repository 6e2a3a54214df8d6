import { AuditEvent } from '../audit/audit-event.entity';
import { User } from '../users/user.entity';

/** Every entity, for the application's data source, the migration CLI and the schema-drift test. */
export const ENTITIES = [User, AuditEvent];
