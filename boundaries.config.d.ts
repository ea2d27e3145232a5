export declare const ALLOWED_IMPORTS: Record<string, readonly string[]>;
export declare const IO_MODULES: readonly string[];
