// Types for the parts of ipp-encoder (which ships none) that mailing uses.
declare module 'ipp-encoder' {
  export interface IppAttribute {
    readonly tag: number;
    readonly name: string;
    readonly value: unknown;
  }
  export interface IppGroup {
    readonly tag: number;
    readonly attributes: readonly IppAttribute[];
  }
  export interface IppMessage {
    readonly version?: { readonly major: number; readonly minor: number };
    readonly operationId?: number;
    readonly statusCode?: number;
    readonly requestId: number;
    readonly groups: readonly IppGroup[];
    readonly data?: Buffer;
  }
  /** A decoded message: every attribute's value is a list. */
  export interface DecodedIppMessage {
    readonly version: { readonly major: number; readonly minor: number };
    readonly operationId: number;
    readonly statusCode: number;
    readonly requestId: number;
    readonly groups: readonly {
      readonly tag: number;
      readonly attributes: readonly {
        readonly tag: number;
        readonly name: string;
        readonly value: unknown[];
      }[];
    }[];
  }
  interface Codec {
    encode(message: IppMessage, buffer?: Buffer, offset?: number): Buffer;
    encodingLength(message: IppMessage): number;
    decode: ((buffer: Buffer, start?: number, end?: number) => DecodedIppMessage) & { bytes: number };
  }
  const ipp: {
    readonly CONSTANTS: Readonly<Record<string, number>>;
    readonly STATUS_CODES: Readonly<Record<number, string>>;
    readonly request: Codec;
    readonly response: Codec;
  };
  export default ipp;
}
