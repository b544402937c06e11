/** The value of a command-line option that must be a whole number above 0; `usage` ends the error. */
export function wholeNumber(flag: string, text: string, usage: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${flag} must be a whole number above 0, not "${text}"\n${usage}`);
  return value;
}
