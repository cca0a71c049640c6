/**
 * Client → server frame types, imported as TYPES ONLY from the protocol (never zod at runtime).
 */
import type {
  AcceptFrame,
  AddOperatorFrame,
  ChatMessageFrame,
  ChatRequestFrame,
  DeclineFrame,
  EndChatFrame,
  HelloFrame,
  HoldFrame,
  InviteFrame,
  InviteResponseFrame,
  LeaveChatFrame,
  LeaveMessageFrame,
  NoteVisitorFrame,
  PageViewFrame,
  SetStatusFrame,
  SyncFrame,
  TagVisitorFrame,
  TranscriptFrame,
  TransferFrame,
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
  | SyncFrame
  | TranscriptFrame
  | InviteResponseFrame
  | LeaveMessageFrame;

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
  | SyncFrame
  | TransferFrame
  | AddOperatorFrame
  | LeaveChatFrame
  | HoldFrame
  | TranscriptFrame
  | InviteFrame;

/** Frames both sides send about one chat (the shared chat-thread logic uses these). */
export type ThreadFrame = ChatMessageFrame | TypingFrame | SyncFrame;
