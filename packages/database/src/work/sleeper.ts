/**
 * The pauses of a polling loop: `wake` cuts a wakeable pause short (or the next one, when it comes
 * while the loop is busy, so no wake-up is lost), `interrupt` ends every pause for good (shutdown).
 */
export class Sleeper {
  private current: { readonly wakeable: boolean; readonly end: () => void } | undefined;
  private woken = false;
  private interrupted = false;

  sleep(ms: number, { wakeable = false }: { wakeable?: boolean } = {}): Promise<void> {
    if (this.interrupted) return Promise.resolve();
    if (wakeable && this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        this.current = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.current = { wakeable, end };
    });
  }

  wake(): void {
    if (this.current?.wakeable) this.current.end();
    else this.woken = true;
  }

  interrupt(): void {
    this.interrupted = true;
    this.current?.end();
  }
}
