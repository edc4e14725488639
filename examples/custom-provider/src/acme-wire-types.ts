/** One turn of an Acme dialogue. Acme has no tools and no images: text only. */
export interface AcmeTurn {
  speaker: 'system' | 'human' | 'bot';
  text: string;
}

/** `POST {base_url}/chat`. */
export interface AcmeChatBody {
  engine: string;
  dialogue: AcmeTurn[];
  /** `json` makes the engine answer with one JSON object; there is no schema option. */
  format?: 'text' | 'json';
  /** Stop sequences. */
  halt?: string[];
  max_len?: number;
  temperature?: number;
  stream: boolean;
}

/** Token counts: `read` from the prompt, `written` by the engine. */
export interface AcmeMeter {
  read: number;
  written: number;
}

/** Why the engine stopped: `done`, `max_len` or `halted` (a stop sequence). */
export type AcmeEndReason = 'done' | 'max_len' | 'halted' | string;

/** A whole answer. */
export interface AcmeChatAnswer {
  ticket: string;
  engine: string;
  output: string;
  ended_because: AcmeEndReason;
  meter: AcmeMeter;
}

/** One line of a streamed answer (newline-delimited JSON). */
export type AcmeStreamLine =
  | { kind: 'begin'; ticket: string; engine: string }
  | { kind: 'chunk'; text: string }
  | { kind: 'end'; ended_because: AcmeEndReason; meter: AcmeMeter }
  | { kind: 'fault'; reason?: string; message?: string };

/** An error answer, any status >= 400. */
export interface AcmeFaultBody {
  fault?: { reason?: string; message?: string };
}

/** `GET {base_url}/engines`. */
export interface AcmeEngineList {
  engines: Array<{ name: string; family?: string }>;
}
