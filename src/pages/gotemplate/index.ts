// A set of Go html/template-compatible templates sharing one namespace, as oauth2-proxy loads them:
// files are parsed in order, `{{define}}` blocks and non-empty file bodies replace earlier
// definitions of the same name, and a file whose body is only whitespace does not.

import { TemplateError } from './errors.js';
import { execute } from './exec.js';
import { FUNC_NAMES } from './funcs.js';
import { parseTemplate, type Node } from './parser.js';

export { TemplateError, TemplateExecError } from './errors.js';

export class TemplateSet {
  private readonly trees = new Map<string, Node[]>();
  private readonly refs: { file: string; name: string; line: number }[] = [];

  /**
   * Parses `source` as the file `file` whose body is the template `name`.
   * Throws TemplateError (`file:line: reason`) on a syntax error or an unknown function.
   */
  add(name: string, source: string, file: string = name): void {
    const parsed = parseTemplate(file, source.replace(/^\uFEFF/, ''), FUNC_NAMES);
    if (!parsed.empty) this.trees.set(name, parsed.main);
    for (const [defName, body] of parsed.defines) {
      const emptyBody = body.every((n) => n.type === 'text' && n.text.trim() === '');
      if (!emptyBody || !this.trees.has(defName)) this.trees.set(defName, body);
    }
    for (const r of parsed.references) this.refs.push({ file, ...r });
  }

  /** Fails on `{{template "x"}}` calls to templates no file defines, so they surface at start-up. */
  verify(): void {
    for (const r of this.refs) {
      if (!this.trees.has(r.name)) throw new TemplateError(r.file, r.line, `no such template "${r.name}"`);
    }
  }

  has(name: string): boolean {
    return this.trees.has(name);
  }

  /** Renders `name`; throws TemplateExecError when a function fails at run time. */
  execute(name: string, data: unknown): string {
    return execute(this.trees, name, data);
  }
}
