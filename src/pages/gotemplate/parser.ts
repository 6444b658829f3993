// Parser for the Go template subset: actions, pipelines, if/else-if/with/range, define/template/block,
// variables, break/continue. Produces a tree the executor walks; errors carry the file and line.

import { TemplateError } from './errors.js';
import { lex, type Token } from './lexer.js';

export type Arg =
  | { t: 'field'; names: string[] }
  | { t: 'dot' }
  | { t: 'var'; name: string; names: string[] }
  | { t: 'chain'; base: Arg; names: string[] }
  | { t: 'string'; value: string }
  | { t: 'number'; value: number }
  | { t: 'bool'; value: boolean }
  | { t: 'nil' }
  | { t: 'func'; name: string }
  | { t: 'pipe'; pipe: Pipe };

export interface Command {
  args: Arg[];
}

export interface Pipe {
  line: number;
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
}

export interface TextNode {
  type: 'text';
  text: string;
  /** Filled by the executor: the HTML context after this text, per context before it. */
  contextAfter: Map<string, unknown>;
}
export interface ActionNode {
  type: 'action';
  line: number;
  pipe: Pipe;
}
export interface BranchNode {
  type: 'if' | 'with' | 'range';
  line: number;
  pipe: Pipe;
  list: Node[];
  elseList: Node[] | null;
}
export interface TemplateNode {
  type: 'template';
  line: number;
  name: string;
  pipe: Pipe | null;
}
export interface LoopControlNode {
  type: 'break' | 'continue';
  line: number;
}
export type Node = TextNode | ActionNode | BranchNode | TemplateNode | LoopControlNode;

export interface ParsedFile {
  /** The body outside any {{define}}; `empty` when it is only whitespace, so it must not replace an existing template. */
  main: Node[];
  empty: boolean;
  defines: Map<string, Node[]>;
  /** Every {{template "x"}} reference, to be resolved once all files are loaded. */
  references: { name: string; line: number }[];
}

type Marker = { marker: 'end'; line: number } | { marker: 'else'; line: number; chain: 'if' | 'with' | null };

function isMarker(n: Node | Marker): n is Marker {
  return 'marker' in n;
}

export function parseTemplate(file: string, src: string, funcs: ReadonlySet<string>): ParsedFile {
  return new Parser(file, lex(file, src), funcs).parseFile();
}

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  private loopDepth = 0;
  private readonly defines = new Map<string, Node[]>();
  private readonly references: { name: string; line: number }[] = [];

  constructor(
    private readonly file: string,
    private readonly toks: Token[],
    private readonly funcs: ReadonlySet<string>,
  ) {}

  private fail(msg: string, line: number = this.peek().line): never {
    throw new TemplateError(this.file, line, msg);
  }

  private peek(offset = 0): Token {
    return this.toks[Math.min(this.i + offset, this.toks.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }

  private expect(kind: Token['kind'], context: string): Token {
    const t = this.next();
    if (t.kind !== kind) this.fail(`unexpected ${describe(t)} in ${context}`, t.line);
    return t;
  }

  parseFile(): ParsedFile {
    const main: Node[] = [];
    while (this.peek().kind !== 'eof') {
      if (this.peek().kind === 'open' && this.peek(1).kind === 'keyword' && this.peek(1).value === 'define') {
        this.next();
        this.next();
        this.parseDefine();
        continue;
      }
      const n = this.textOrAction();
      if (isMarker(n)) this.fail(`unexpected {{${n.marker}}}`, n.line);
      main.push(n);
    }
    const empty = main.every((n) => n.type === 'text' && n.text.trim() === '');
    return { main, empty, defines: this.defines, references: this.references };
  }

  private parseDefine(): void {
    const nameTok = this.next();
    if (nameTok.kind !== 'string') this.fail(`expected template name in define clause, found ${describe(nameTok)}`, nameTok.line);
    this.expect('close', 'define clause');
    const body = this.parseBody(`define "${nameTok.value}"`);
    this.defines.set(nameTok.value, body);
  }

  /** A separately scoped template body ({{define}} / {{block}}) running up to its {{end}}. */
  private parseBody(what: string): Node[] {
    const savedVars = this.vars;
    const savedLoop = this.loopDepth;
    this.vars = ['$'];
    this.loopDepth = 0;
    const [list, end] = this.itemList();
    if (end.marker !== 'end') this.fail(`unexpected {{else}} in ${what}`, end.line);
    this.vars = savedVars;
    this.loopDepth = savedLoop;
    return list;
  }

  private itemList(): [Node[], Marker] {
    const list: Node[] = [];
    for (;;) {
      if (this.peek().kind === 'eof') this.fail('unexpected EOF');
      const n = this.textOrAction();
      if (isMarker(n)) return [list, n];
      list.push(n);
    }
  }

  private textOrAction(): Node | Marker {
    const t = this.next();
    if (t.kind === 'text') return { type: 'text', text: t.value, contextAfter: new Map() };
    if (t.kind === 'open') return this.action();
    return this.fail(`unexpected ${describe(t)}`, t.line);
  }

  private action(): Node | Marker {
    const t = this.peek();
    if (t.kind === 'keyword') {
      this.next();
      switch (t.value) {
        case 'if':
          return this.branch('if', t.line);
        case 'with':
          return this.branch('with', t.line);
        case 'range':
          return this.branch('range', t.line);
        case 'end':
          this.expect('close', 'end');
          return { marker: 'end', line: t.line };
        case 'else': {
          const n = this.peek();
          if (n.kind === 'keyword' && (n.value === 'if' || n.value === 'with')) {
            return { marker: 'else', line: t.line, chain: n.value };
          }
          this.expect('close', 'else');
          return { marker: 'else', line: t.line, chain: null };
        }
        case 'break':
        case 'continue':
          if (this.loopDepth === 0) this.fail(`{{${t.value}}} outside {{range}}`, t.line);
          this.expect('close', t.value);
          return { type: t.value, line: t.line };
        case 'template':
          return this.templateCall(t.line);
        case 'block':
          return this.block(t.line);
        case 'define':
          return this.fail('{{define}} is only allowed at the top level of a template file', t.line);
      }
    }
    return { type: 'action', line: t.line, pipe: this.pipeline('command', 'close') };
  }

  private branch(kind: 'if' | 'with' | 'range', line: number): BranchNode {
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, 'close');
    if (kind === 'range') this.loopDepth++;
    const [list, term] = this.itemList();
    if (kind === 'range') this.loopDepth--;
    let elseList: Node[] | null = null;
    if (term.marker === 'else') {
      if (term.chain !== null) {
        if (term.chain !== kind) this.fail(`expected end; found {{else ${term.chain}}}`, term.line);
        // `{{else if x}}` is `{{else}}{{if x}}…{{end}}{{end}}` sharing the outer {{end}}.
        const chainLine = this.next().line;
        elseList = [this.branch(term.chain, chainLine)];
      } else {
        const [els, end] = this.itemList();
        if (end.marker !== 'end') this.fail('expected end; found {{else}}', end.line);
        elseList = els;
      }
    }
    this.vars.length = mark;
    return { type: kind, line, pipe, list, elseList };
  }

  private templateCall(line: number): TemplateNode {
    const nameTok = this.next();
    if (nameTok.kind !== 'string') this.fail(`expected template name in template clause, found ${describe(nameTok)}`, nameTok.line);
    let pipe: Pipe | null = null;
    if (this.peek().kind === 'close') this.next();
    else pipe = this.pipeline('template clause', 'close');
    this.references.push({ name: nameTok.value, line });
    return { type: 'template', line, name: nameTok.value, pipe };
  }

  private block(line: number): TemplateNode {
    const nameTok = this.next();
    if (nameTok.kind !== 'string') this.fail(`expected block name in block clause, found ${describe(nameTok)}`, nameTok.line);
    const pipe = this.pipeline('block clause', 'close');
    const body = this.parseBody(`block "${nameTok.value}"`);
    this.defines.set(nameTok.value, body);
    return { type: 'template', line, name: nameTok.value, pipe };
  }

  private pipeline(context: string, end: 'close' | 'rparen'): Pipe {
    const line = this.peek().line;
    const decl: string[] = [];
    let isAssign = false;
    // Declarations: `$x :=`, `$x =`, and in range `$i, $e :=`.
    while (this.peek().kind === 'variable') {
      const after = this.peek(1);
      if (after.kind === 'declare' || after.kind === 'assign') {
        const v = this.next();
        this.next();
        isAssign = after.kind === 'assign';
        decl.push(v.value);
        break;
      }
      if (after.kind === 'comma' && context === 'range' && decl.length === 0) {
        decl.push(this.next().value);
        this.next();
        if (this.peek().kind !== 'variable') this.fail('range can only initialize variables');
        continue;
      }
      if (decl.length > 0) this.fail('range can only initialize variables');
      break;
    }
    if (decl.length === 2 && isAssign) this.fail('range with two variables must declare them with :=');
    for (const v of decl) {
      if (isAssign) {
        if (!this.vars.includes(v)) this.fail(`undefined variable "${v}"`);
      }
    }

    const cmds: Command[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === end) {
        this.next();
        break;
      }
      if (t.kind === 'eof' || t.kind === 'close' || t.kind === 'rparen') this.fail(`unexpected ${describe(t)} in ${context}`, t.line);
      cmds.push(this.command(context, end));
    }
    if (cmds.length === 0) this.fail(`missing value for ${context}`, line);
    for (let k = 1; k < cmds.length; k++) {
      const first = cmds[k].args[0];
      if (first.t !== 'func') this.fail(`non executable command in pipeline stage ${k + 1}`, line);
    }
    // Declared after the pipeline is parsed: `{{$x := $x}}` refers to the outer $x.
    if (!isAssign) this.vars.push(...decl);
    return { line, decl, isAssign, cmds };
  }

  private command(context: string, end: 'close' | 'rparen'): Command {
    const args: Arg[] = [];
    for (;;) {
      const op = this.operand();
      if (op === null) {
        const t = this.peek();
        this.fail(`unexpected ${describe(t)} in operand`, t.line);
      }
      args.push(op!);
      const t = this.peek();
      if (t.kind === end) break;
      if (t.kind === 'pipe') {
        this.next();
        const n = this.peek();
        if (n.kind === end || n.kind === 'eof') this.fail(`missing command after | in ${context}`, n.line);
        break;
      }
      if (t.kind === 'close' || t.kind === 'rparen' || t.kind === 'eof') this.fail(`unexpected ${describe(t)} in ${context}`, t.line);
      if (!t.spaced) this.fail(`unexpected ${describe(t)} in operand; missing space?`, t.line);
    }
    if (args[0].t === 'nil') this.fail('nil is not a command');
    return { args };
  }

  private operand(): Arg | null {
    let term = this.term();
    if (term === null) return null;
    if (this.peek().kind === 'field' && !this.peek().spaced) {
      const names: string[] = [];
      while (this.peek().kind === 'field' && !this.peek().spaced) names.push(this.next().value);
      switch (term.t) {
        case 'field':
        case 'var':
          term = { ...term, names: [...term.names, ...names] };
          break;
        case 'dot':
        case 'string':
        case 'number':
        case 'bool':
        case 'nil':
          this.fail(`unexpected . after term`);
          break;
        default:
          term = { t: 'chain', base: term, names };
      }
    }
    return term;
  }

  private term(): Arg | null {
    const t = this.peek();
    const consumable = ['ident', 'dot', 'nil', 'variable', 'field', 'bool', 'number', 'string', 'lparen'];
    if (!consumable.includes(t.kind)) return null;
    this.next();
    switch (t.kind) {
      case 'ident':
        if (!this.funcs.has(t.value)) this.fail(`function "${t.value}" not defined`, t.line);
        return { t: 'func', name: t.value };
      case 'dot':
        return { t: 'dot' };
      case 'nil':
        return { t: 'nil' };
      case 'variable':
        if (!this.vars.includes(t.value)) this.fail(`undefined variable "${t.value}"`, t.line);
        return { t: 'var', name: t.value, names: [] };
      case 'field':
        return { t: 'field', names: [t.value] };
      case 'bool':
        return { t: 'bool', value: t.value === 'true' };
      case 'number':
        return { t: 'number', value: t.num! };
      case 'string':
        return { t: 'string', value: t.value };
      case 'lparen':
        return { t: 'pipe', pipe: this.pipeline('parenthesized pipeline', 'rparen') };
    }
    return null;
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'EOF';
    case 'close':
      return '"}}"';
    case 'open':
      return '"{{"';
    case 'keyword':
      return `<${t.value}>`;
    case 'text':
      return 'text';
    case 'field':
      return `.${t.value}`;
    default:
      return JSON.stringify(t.value);
  }
}
