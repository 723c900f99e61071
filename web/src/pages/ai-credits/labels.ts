/** "assistant" → "Assistant". */
export function moduleLabel(module: string): string {
  return module.charAt(0).toUpperCase() + module.slice(1).replace(/[_-]+/g, ' ');
}
