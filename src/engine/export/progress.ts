// Progress of an export, in parameters written (the weights dominate every format's time).

export interface ExportProgress {
  /** The tensor being written. */
  tensor: string;
  /** Parameters written so far and in all. */
  done: number;
  total: number;
}

export type ExportProgressListener = (p: ExportProgress) => void;
