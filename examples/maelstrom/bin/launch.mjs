// Shared by the launchers in this folder: run a demo node's TypeScript source with tsx's API,
// both found relative to this file, so a launcher works from any working directory.
import { tsImport } from 'tsx/esm/api';

export function launch(source) {
  return tsImport(new URL(`../${source}`, import.meta.url).href, import.meta.url);
}
