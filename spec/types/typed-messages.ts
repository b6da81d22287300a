// Type-level tests: compiled by `tsc -p .` with the rest of the build, never run. Each
// `@ts-expect-error` must sit on a line that does not compile, or the build fails.
import { room, session, type MessageOf, type ReplyOf } from '../../actors/index.js';
import type { GlassNode } from '../../runtime/node/index.js';

export async function typedMessagesNeverCalled(node: GlassNode): Promise<void> {
  const lobby = room.ref(node, 'lobby');

  // Well-typed messages compile, and ask replies carry the handler's return type.
  lobby.tell({ type: 'join', player: 'p1', node: 'n1' });
  const said: { seq: number } = await lobby.ask({ type: 'say', player: 'p1', text: 'hi' });
  const joined: { room: string; members: string[]; seq: number } = await lobby.ask({ type: 'join', player: 'p1', node: 'n1' });
  const left: { left: boolean } = await lobby.ask({ type: 'leave', player: 'p1' });
  const members: { members: string[] } = await lobby.ask({ type: 'members' });
  const turn: { turn: number } = await session.ref(node, 's1').ask({ type: 'turn', player: 'p1', text: 'go north' });
  void [said, joined, left, members, turn];

  // @ts-expect-error a message type the room has no handler for
  lobby.tell({ type: 'shout', player: 'p1', text: 'hi' });
  // @ts-expect-error a session message sent to a room
  lobby.tell({ type: 'turn', player: 'p1', text: 'hi' });
  // @ts-expect-error a required field missing
  lobby.tell({ type: 'say', player: 'p1' });
  // @ts-expect-error a field of the wrong type
  lobby.tell({ type: 'say', player: 'p1', text: 42 });
  // @ts-expect-error a misspelt field
  lobby.tell({ type: 'say', player: 'p1', txt: 'hi' });
  // @ts-expect-error a field the message does not have
  lobby.tell({ type: 'leave', player: 'p1', reason: 'bored' });
  // @ts-expect-error no type at all
  lobby.tell({ player: 'p1', text: 'hi' });

  // @ts-expect-error the reply of say is { seq: number }, not a string
  const wrongReply: string = await lobby.ask({ type: 'say', player: 'p1', text: 'hi' });
  // @ts-expect-error seq is a number
  const wrongField: { seq: string } = await lobby.ask({ type: 'say', player: 'p1', text: 'hi' });
  // @ts-expect-error the reply of members has no seq
  const notThere: number = (await lobby.ask({ type: 'members' })).seq;
  void [wrongReply, wrongField, notThere];

  // The helper types agree with the refs.
  const msg: MessageOf<typeof room> = { type: 'leave', player: 'p1' };
  const reply: ReplyOf<typeof room, 'say'> = { seq: 1 };
  // @ts-expect-error a join needs the player's node
  const badMsg: MessageOf<typeof room> = { type: 'join', player: 'p1' };
  void [msg, reply, badMsg];
}
