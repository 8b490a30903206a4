/** Where the Electron binary is, or null when it was never downloaded (never starts a download). */
export function electronBinary(root?: string): string | null;
