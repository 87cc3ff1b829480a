import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Files up to this size are read whole. */
const WHOLE_FILE_BYTES = 256 * 1024 * 1024;
/** What is read at a time from a larger file. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** The arrays of spans a trace file's document holds: OTLP's, Jaeger's classic API's. */
const SPAN_ARRAY = /"(?:resourceSpans|data|spans)"\s*:\s*\[$/;

/** What matters to the cut: outside strings, a quote and brackets; inside, a quote or a backslash. */
const OUTSIDE = /["{}[\]]/g;
const INSIDE = /["\\]/g;

/** How a large file is read: `chunkBytes` at a time (4 MiB), whole up to `wholeFileBytes` (256 MiB). */
export interface TraceDocumentReading {
  wholeFileBytes?: number;
  chunkBytes?: number;
}

/**
 * Hands the JSON documents of a trace file to `each`: the whole file when it is small; a larger
 * one a piece at a time, each a document of its own — every element of a document's span array
 * (`resourceSpans`, Jaeger's `data`) as that document with just that element, and documents one
 * after the other (JSON lines). Read whole, a file past V8's longest string (about 512 MB) could
 * not be read at all — and Runproof's `file` exporter writes one document on one line, a week of
 * it easily that large. A document without such an array is handed over whole.
 *
 * @example
 * const spans = [];
 * forEachTraceDocument('traces.json', (text) => spans.push(...readTraceFile(text, 'traces.json')));
 */
export function forEachTraceDocument(
  path: string,
  each: (text: string) => void,
  reading: TraceDocumentReading = {},
): void {
  const file = openSync(path, 'r');
  try {
    if (fstatSync(file).size <= (reading.wholeFileBytes ?? WHOLE_FILE_BYTES)) {
      each(readFileSync(file, 'utf8'));
      return;
    }
    const decoder = new StringDecoder('utf8');
    const splitter = new DocumentSplitter(each);
    const buffer = Buffer.allocUnsafe(reading.chunkBytes ?? CHUNK_BYTES);
    for (let read = readSync(file, buffer); read > 0; read = readSync(file, buffer))
      splitter.write(decoder.write(buffer.subarray(0, read)));
    splitter.write(decoder.end());
    splitter.end();
  } finally {
    closeSync(file);
  }
}

/** Cuts JSON text, given in pieces, into the documents {@link forEachTraceDocument} describes. */
class DocumentSplitter {
  readonly #each: (text: string) => void;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** The depth of the span array being cut into its elements: 1 (a top-level array) or 2; 0 before it, -1 after. */
  #arrayDepth = 0;
  /** The document's text up to and with that array's `[`. */
  #head = '';
  /** The text of the document, or of the element, kept from earlier pieces. */
  #text = '';

  constructor(each: (text: string) => void) {
    this.#each = each;
  }

  write(piece: string): void {
    let start = 0;
    // From one character that matters to the next (white space and text are skipped by the regex).
    for (let index = this.#next(piece, 0); index !== -1; index = this.#next(piece, index + 1)) {
      const character = piece[index];
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (character === '\\') this.#escaped = true;
        else this.#inString = false;
      } else if (character === '"') this.#inString = true;
      else if (this.#depth === 0 && character === '{' && lineOf(piece, index) !== undefined) {
        // A document a line (JSON lines), the whole line in this piece: handed over unscanned.
        const line = lineOf(piece, index)!;
        this.#each(line.text);
        [index, start] = [line.end, line.end + 1];
      } else if (character === '{' || character === '[') {
        this.#depth += 1;
        if (this.#depth === 1) {
          // A document starts.
          [this.#text, start, this.#arrayDepth] = ['', index, 0];
          if (character === '[') [this.#head, start, this.#arrayDepth] = ['[', index + 1, 1];
        } else if (this.#arrayDepth === 0 && this.#depth === 2 && character === '[') {
          const head = this.#text + piece.slice(start, index + 1);
          if (SPAN_ARRAY.test(head.slice(-64)))
            [this.#head, this.#text, start, this.#arrayDepth] = [head, '', index + 1, 2];
        } else if (this.#arrayDepth > 0 && this.#depth === this.#arrayDepth + 1) {
          // An element starts: what came before it (a comma, white space) is no part of it.
          [this.#text, start] = ['', index];
        }
      } else {
        this.#depth -= 1;
        if (this.#arrayDepth > 0 && this.#depth === this.#arrayDepth) {
          const close = this.#arrayDepth === 1 ? ']' : ']}';
          this.#each(this.#head + this.#text + piece.slice(start, index + 1) + close);
          [this.#text, start] = ['', index + 1];
        } else if (this.#arrayDepth > 0 && this.#depth === this.#arrayDepth - 1) this.#arrayDepth = -1;
        if (this.#depth === 0) {
          if (this.#arrayDepth === 0) this.#each(this.#text + piece.slice(start, index + 1));
          [this.#text, start, this.#arrayDepth] = ['', index + 1, 0];
        }
      }
    }
    // Kept: a document not cut (yet), or an element begun. Not: what lies between elements or after them.
    const keep =
      this.#depth > 0 && (this.#arrayDepth === 0 || (this.#arrayDepth > 0 && this.#depth > this.#arrayDepth));
    this.#text = keep ? this.#text + piece.slice(start) : '';
  }

  /** The index of the next character from `from` that matters in the current state, or -1. */
  #next(piece: string, from: number): number {
    if (this.#escaped) return from < piece.length ? from : -1; // the escaped character itself
    const pattern = this.#inString ? INSIDE : OUTSIDE;
    pattern.lastIndex = from;
    return pattern.exec(piece)?.index ?? -1;
  }

  /** Hands over what is left: text that is no whole document, for the reader to name. */
  end(): void {
    if (this.#text.trim() !== '') this.#each(this.#text);
  }
}

/**
 * The line from `start` (a `{` between documents) to its newline, when the newline is in `piece`
 * and the line ends with `}`: a document of a JSON-lines file, or `undefined`.
 */
function lineOf(piece: string, start: number): { text: string; end: number } | undefined {
  const end = piece.indexOf('\n', start);
  if (end === -1) return undefined;
  const text = piece.slice(start, end).trimEnd();
  return text.endsWith('}') ? { text, end } : undefined;
}
