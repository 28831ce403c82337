/**
 * Live updates: a small publish/subscribe hub whose subscribers are
 * server-sent-event streams. Events are JSON objects with a `type`.
 */

/** One live update. */
export interface StudioEvent {
  type: 'run' | 'progress' | 'preview' | 'queue';
  [key: string]: unknown;
}

/** See the module comment. */
export class EventHub {
  readonly #listeners = new Set<(e: StudioEvent) => void>();

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (e: StudioEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Sends `e` to every listener; a throwing listener is removed, the rest still get it. */
  publish(e: StudioEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        this.#listeners.delete(l);
      }
    }
  }

  /** Listeners now. */
  get size(): number {
    return this.#listeners.size;
  }
}

/** Formats an event for a text/event-stream body. */
export function sseFrame(e: StudioEvent): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}
