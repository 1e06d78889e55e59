// Many small messages to one socket in one event-loop turn (the legs of a block pipelined on a FIX
// session, a venue's reports, trade updates on a websocket) each cost a system call when written
// one by one. Here the first write of a turn corks the socket and the turn's end (setImmediate:
// after every timer, port message and socket read of this turn) uncorks it, so they leave in one
// writev, in order.

export interface Corkable {
  // biome-ignore lint/suspicious/noExplicitAny: matches every overload of Socket.write and Writable.write
  write(...args: any[]): boolean;
  cork(): void;
  uncork(): void;
}

export function writePerTurn(socket: Corkable): void {
  const write = socket.write.bind(socket);
  let corked = false;
  socket.write = (...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  };
}
