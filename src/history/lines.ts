/** Call `fn` with each line of `text` (without its newline) and its 1-based number. */
export function forEachLine(text: string, fn: (line: string, lineNo: number) => void): void {
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    fn(text.slice(start, end), lineNo);
    start = end + 1;
  }
}
