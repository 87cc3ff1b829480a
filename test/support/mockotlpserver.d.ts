// The receiver ships no type declarations for its entry point; this is the part the tests use.
declare module '@elastic/mockotlpserver' {
  export class MockOtlpServer {
    constructor(options: {
      logLevel?: string;
      services?: ('http' | 'grpc' | 'ui')[];
      httpHostname?: string;
      httpPort?: number;
      onTrace?: (request: unknown) => void;
      onMetrics?: (request: unknown) => void;
    });
    httpUrl: URL | null;
    start(): Promise<void>;
    close(): Promise<void>;
  }
  export function normalizeTrace(request: unknown): unknown;
  export function normalizeMetrics(request: unknown): unknown;
}
