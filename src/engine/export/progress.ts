// Progress of an export, in parameters written (the weights dominate every format's time). A light expert
// written as a full model goes through two phases, its adapter folded into its base, then the writing; done
// and total then count both.

export interface ExportProgress {
  /** The tensor being written. */
  tensor: string;
  /** Parameters written so far and in all. */
  done: number;
  total: number;
  /** 'merge' while a light expert's adapter is folded into its base; absent or 'write' while the export is written. */
  phase?: 'merge' | 'write';
}

export type ExportProgressListener = (p: ExportProgress) => void;
