// Walks a parsed template with a data value, escaping every action for its HTML context.

import { TrustedHtml } from '../html.js';
import { JsEscaped, TEXT_CONTEXT, UrlEscaped, advance, contextKey, escapeFor, stringify, type Ctx } from './context.js';
import { TemplateExecError } from './errors.js';
import { BUILTINS, truth } from './funcs.js';
import type { Arg, Command, Node, Pipe } from './parser.js';

const MISSING = Symbol('missing');
type Signal = 'ok' | 'break' | 'continue';

/** Deep enough for any sensible layout, shallow enough to stop `{{define "a"}}{{template "a"}}{{end}}`. */
const MAX_TEMPLATE_DEPTH = 100;
/** `{{range 1000000000}}` would exhaust memory building the page; no page needs that many items. */
const MAX_RANGE_INT = 100_000;

export function execute(templates: ReadonlyMap<string, Node[]>, name: string, data: unknown): string {
  const ex = new Executor(templates, name);
  const tree = templates.get(name);
  if (tree === undefined) throw new TemplateExecError(name, 'no such template');
  ex.vars.push({ name: '$', value: data });
  try {
    ex.walkList(data, tree);
  } catch (err) {
    if (err instanceof TemplateExecError) throw err;
    throw new TemplateExecError(`${ex.current}:${ex.line}`, err instanceof Error ? err.message : String(err));
  }
  return ex.out.join('');
}

class Executor {
  readonly out: string[] = [];
  vars: { name: string; value: unknown }[] = [];
  private ctx: Ctx = TEXT_CONTEXT;
  private depth = 0;
  line = 0;

  constructor(
    private readonly templates: ReadonlyMap<string, Node[]>,
    public current: string,
  ) {}

  walkList(dot: unknown, list: Node[]): Signal {
    for (const node of list) {
      const sig = this.walk(dot, node);
      if (sig !== 'ok') return sig;
    }
    return 'ok';
  }

  private walk(dot: unknown, node: Node): Signal {
    switch (node.type) {
      case 'text': {
        this.out.push(node.text);
        const key = contextKey(this.ctx);
        let after = node.contextAfter.get(key) as Ctx | undefined;
        if (after === undefined) {
          after = advance(this.ctx, node.text);
          node.contextAfter.set(key, after);
        }
        this.ctx = after;
        return 'ok';
      }
      case 'action': {
        this.line = node.line;
        const v = this.evalPipe(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.out.push(escapeFor(this.ctx, v));
        return 'ok';
      }
      case 'if':
      case 'with': {
        this.line = node.line;
        const mark = this.vars.length;
        const v = this.evalPipe(dot, node.pipe);
        let sig: Signal = 'ok';
        if (truth(v)) sig = this.walkList(node.type === 'with' ? v : dot, node.list);
        else if (node.elseList) sig = this.walkList(dot, node.elseList);
        this.vars.length = mark;
        return sig;
      }
      case 'range': {
        this.line = node.line;
        const mark = this.vars.length;
        const v = this.evalPipe(dot, node.pipe, true);
        const items = iterate(v);
        let sig: Signal = 'ok';
        if (items.length === 0) {
          if (node.elseList) sig = this.walkList(dot, node.elseList);
        } else {
          const decl = node.pipe.decl;
          for (const [k, x] of items) {
            this.vars.length = mark;
            if (decl.length === 1) this.vars.push({ name: decl[0], value: x });
            else if (decl.length === 2) this.vars.push({ name: decl[0], value: k }, { name: decl[1], value: x });
            const s = this.walkList(x, node.list);
            if (s === 'break') break;
          }
        }
        this.vars.length = mark;
        return sig;
      }
      case 'template': {
        this.line = node.line;
        const tree = this.templates.get(node.name);
        if (tree === undefined) throw new Error(`no such template "${node.name}"`);
        if (this.depth >= MAX_TEMPLATE_DEPTH) throw new Error(`exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
        const data = node.pipe ? this.evalPipe(dot, node.pipe) : undefined;
        const saved = { vars: this.vars, current: this.current, line: this.line };
        this.vars = [{ name: '$', value: data }];
        this.current = node.name;
        this.depth++;
        this.walkList(data, tree);
        this.depth--;
        this.vars = saved.vars;
        this.current = saved.current;
        this.line = saved.line;
        return 'ok';
      }
      case 'break':
      case 'continue':
        return node.type;
    }
  }

  private evalPipe(dot: unknown, pipe: Pipe, forRange = false): unknown {
    let final: unknown = MISSING;
    for (const cmd of pipe.cmds) final = this.evalCommand(dot, cmd, final);
    if (!forRange && pipe.decl.length > 0) {
      if (pipe.isAssign) this.setVar(pipe.decl[0], final);
      else this.vars.push({ name: pipe.decl[0], value: final });
    }
    return final;
  }

  private evalCommand(dot: unknown, cmd: Command, final: unknown): unknown {
    const first = cmd.args[0];
    if (first.t === 'func') return this.call(dot, first.name, cmd.args.slice(1), final);
    if (final !== MISSING) throw new Error(`can't give argument to non-function ${describeArg(first)}`);
    if (cmd.args.length > 1) throw new Error(`${describeArg(first)} is not a method but has arguments`);
    return this.evalArg(dot, first);
  }

  private evalArg(dot: unknown, a: Arg): unknown {
    switch (a.t) {
      case 'field':
        return fields(dot, a.names);
      case 'dot':
        return dot;
      case 'var':
        return fields(this.lookupVar(a.name), a.names);
      case 'chain':
        return fields(this.evalArg(dot, a.base), a.names);
      case 'string':
      case 'number':
      case 'bool':
        return a.value;
      case 'nil':
        return null;
      case 'func':
        return this.call(dot, a.name, [], MISSING);
      case 'pipe':
        return this.evalPipe(dot, a.pipe);
    }
  }

  private call(dot: unknown, name: string, argNodes: Arg[], final: unknown): unknown {
    if (name === 'and' || name === 'or') {
      const count = argNodes.length + (final === MISSING ? 0 : 1);
      if (count === 0) throw new Error(`wrong number of args for ${name}: want at least 1 got 0`);
      // Short-circuit like Go: stop at the first operand that decides the result.
      let v: unknown;
      for (const node of argNodes) {
        v = this.evalArg(dot, node);
        if (truth(v) === (name === 'or')) return v;
      }
      return final === MISSING ? v : final;
    }
    const args = argNodes.map((a) => this.evalArg(dot, a));
    if (final !== MISSING) args.push(final);
    return BUILTINS[name](args);
  }

  private lookupVar(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    throw new Error(`undefined variable: ${name}`);
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    throw new Error(`undefined variable: ${name}`);
  }
}

function isOpaque(v: unknown): boolean {
  return v instanceof TrustedHtml || v instanceof UrlEscaped || v instanceof JsEscaped;
}

/** Field access; a missing field is undefined (Go would fail the whole page). Only own properties count. */
function fields(v: unknown, names: string[]): unknown {
  for (const name of names) {
    if (v instanceof Map) v = v.get(name);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v) && !isOpaque(v) && Object.hasOwn(v, name)) {
      v = (v as Record<string, unknown>)[name];
    } else v = undefined;
  }
  return v;
}

function iterate(v: unknown): [unknown, unknown][] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (v instanceof Map) return [...v.keys()].sort().map((k) => [k, v.get(k)]);
  if (typeof v === 'number' && Number.isInteger(v)) {
    if (v > MAX_RANGE_INT) throw new Error(`range over ${v} exceeds ${MAX_RANGE_INT} iterations`);
    return Array.from({ length: Math.max(0, v) }, (_x, i) => [i, i]);
  }
  if (typeof v === 'object' && !isOpaque(v)) {
    return Object.keys(v)
      .sort()
      .map((k) => [k, (v as Record<string, unknown>)[k]]);
  }
  throw new Error(`range can't iterate over ${stringify(v)}`);
}

function describeArg(a: Arg): string {
  switch (a.t) {
    case 'field':
      return '.' + a.names.join('.');
    case 'var':
      return a.name + a.names.map((n) => '.' + n).join('');
    case 'string':
      return JSON.stringify(a.value);
    case 'number':
    case 'bool':
      return String(a.value);
    default:
      return a.t;
  }
}
