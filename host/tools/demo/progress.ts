// The live one-line progress display. On a terminal the line is rewritten in
// place (readline.cursorTo column 0, readline.clearLine to its right) ten times a second, dropping its trailing
// fields to fit the terminal width so it never wraps; anywhere else (a pipe, a CI log) a full line is
// printed about once a second, so logs stay readable.

import { clearLine, cursorTo } from 'node:readline';

export interface Output {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export class Progress {
  private timer: NodeJS.Timeout | null = null;
  private shown = false;

  /** render() returns the line's fields, most important first. */
  constructor(private readonly out: Output, private readonly render: () => string[], private readonly enabled: boolean) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  start(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => this.tick(), this.tty ? 100 : 1000);
    if (this.tty) this.tick();
  }

  private tick(): void {
    const fields = this.render();
    if (this.tty) {
      const width = Math.max(20, (this.out.columns || 100) - 1);
      let line = fields.join('  ');
      while (line.length > width && fields.length > 2) {
        fields.pop();
        line = fields.join('  ');
      }
      if (line.length > width) line = line.slice(0, width - 1) + '…';
      const tty = this.out as NodeJS.WritableStream; // readline's helpers only call write()
      cursorTo(tty, 0);
      tty.write(line);
      clearLine(tty, 1);
      this.shown = true;
    } else {
      this.out.write(`${fields.join('  ')}\n`);
    }
  }

  /** Stop; on a terminal, leave the last state on its own line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty && this.shown) {
      this.tick();
      this.out.write('\n');
      this.shown = false;
    }
  }
}
