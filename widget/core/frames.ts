/**
 * Client → server frame types, imported as TYPES ONLY from the protocol (never zod at runtime).
 */
import type {
  AcceptFrame,
  ChatMessageFrame,
  ChatRequestFrame,
  DeclineFrame,
  EndChatFrame,
  HelloFrame,
  NoteVisitorFrame,
  PageViewFrame,
  SetStatusFrame,
  SyncFrame,
  TagVisitorFrame,
  TypingFrame,
  VisitorInfoFrame,
} from '../../functions/protocol/schemas.js';

/** Frames a visitor connection sends. */
export type VisitorFrame =
  | PageViewFrame
  | VisitorInfoFrame
  | ChatRequestFrame
  | ChatMessageFrame
  | TypingFrame
  | EndChatFrame
  | SyncFrame;

/** Frames an operator connection sends. */
export type OperatorFrame =
  | HelloFrame
  | SetStatusFrame
  | AcceptFrame
  | DeclineFrame
  | TagVisitorFrame
  | NoteVisitorFrame
  | ChatMessageFrame
  | TypingFrame
  | EndChatFrame
  | SyncFrame;

/** Frames both sides send about one chat (the shared chat-thread logic uses these). */
export type ThreadFrame = ChatMessageFrame | TypingFrame | SyncFrame;
