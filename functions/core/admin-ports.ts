/**
 * What operator/department administration and privacy need beyond the Store: the user directory
 * (Cognito in AWS, cognito-local here), department items, raw visitor data for export/delete, and
 * closing sockets. Adapters implement these; unit tests stub them.
 */
import type { OperatorRecord } from './types.js';

export interface Department {
  id: string;
  name: string;
  /** Never offered chats; its operators see only their own chats' visitors. */
  silent: boolean;
}

/** The sign-in directory. Parley's table stays the source of truth for role and status. */
export interface UserDirectory {
  /** Creates the user and sends the invitation with a temporary password; returns the user's sub. */
  createUser(u: { email: string; name: string; role: 'admin' | 'operator' }): Promise<string>;
  setRole(email: string, role: 'admin' | 'operator'): Promise<void>;
  setName(email: string, name: string): Promise<void>;
  setEnabled(email: string, enabled: boolean): Promise<void>;
}

/** Thrown by UserDirectory.createUser when the address already has an account. */
export class UserExistsError extends Error {
  constructor(message = 'a user with this e-mail already exists') {
    super(message);
    this.name = 'UserExistsError';
  }
}

export type OperatorChanges = Partial<
  Pick<OperatorRecord, 'name' | 'role' | 'departments' | 'disabled' | 'silent' | 'status'> & { maxChats: number | null }
>;

/** One stored item, keys included: export shows everything, delete removes exactly these. */
export type RawItem = Record<string, unknown> & { pk: string; sk: string };

export interface AdminStore {
  /** Creates the operator record only if absent; false if one exists. */
  createOperator(op: OperatorRecord): Promise<boolean>;
  /** Applies the changes to an existing operator; undefined when there is none. */
  updateOperator(operatorId: string, changes: OperatorChanges): Promise<OperatorRecord | undefined>;

  departments(siteId: string): Promise<Department[]>;
  /** Creates (only if absent) or replaces a department. */
  putDepartment(siteId: string, dept: Department, create: boolean): Promise<boolean>;
  deleteDepartment(siteId: string, id: string): Promise<void>;

  /** Every item of the visitor's partition (profile, page views, notes, chat pointers, ...). */
  visitorItems(visitorId: string): Promise<RawItem[]>;
  /** Every item of a chat's partition (meta, messages, transcripts). */
  chatItems(chatId: string): Promise<RawItem[]>;
  /** The visitor's connection items (gsi1). */
  visitorConnectionItems(visitorId: string): Promise<RawItem[]>;
  /** The visitor's offline messages: a Query of the site's new and handled lists, filtered (no Scan). */
  offlineMessageItems(siteId: string, visitorId: string): Promise<RawItem[]>;
  /** Short-lived guards keyed by the visitor (duplicate and rate guards of offline messages). */
  visitorGuardItems(visitorId: string): Promise<RawItem[]>;
  deleteItems(keys: { pk: string; sk: string }[]): Promise<void>;
}

/** Ends sockets through the management API (DeleteConnection); gone ones are ignored. */
export interface ConnectionCloser {
  close(connectionIds: readonly string[]): Promise<void>;
}

export interface AdminDeps {
  admin: AdminStore;
  directory: UserDirectory;
  closer: ConnectionCloser;
}
