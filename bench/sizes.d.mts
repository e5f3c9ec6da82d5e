export interface Sizes {
  packed: number;
  unpacked: number;
  files: number;
  builds: { path: string; label: string; bytes: number; gzipped: number }[];
  dist: number;
  src: number;
  docs: number;
}
export function measure(): Sizes;
export function table(sizes: Sizes): string;
