/** A template that cannot be parsed; the message starts with `file:line:` like Go's. */
export class TemplateError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'TemplateError';
  }
}

/** A failure while rendering (bad function arguments, missing template, runaway recursion). */
export class TemplateExecError extends Error {
  constructor(
    readonly template: string,
    detail: string,
  ) {
    super(`template ${template}: ${detail}`);
    this.name = 'TemplateExecError';
  }
}
