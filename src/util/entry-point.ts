import { pathToFileURL } from 'node:url';

/** true when the module at `moduleUrl` is the script node was started with (`import.meta.url`) */
export function isEntryPoint(moduleUrl: string): boolean {
  return Boolean(process.argv[1]) && moduleUrl === pathToFileURL(process.argv[1]).href;
}
