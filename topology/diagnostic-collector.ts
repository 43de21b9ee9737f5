/** Collects the diagnostics of one topology file, placing each at its source position. */
import type { Diagnostic, DiagnosticCode, DiagnosticSeverity } from './diagnostic.ts';
import { formatPath, type DocPath, type SourceMap, type SourcePosition } from './source-map.ts';

/** Where a diagnostic points: the key or the value at a path, or a string inside that value. */
export interface DiagnosticTarget {
  path: DocPath;
  part?: 'key' | 'value';
  /** A substring of the scalar to point at, e.g. the `${NAME}` that is missing. */
  within?: string;
}

export class DiagnosticCollector {
  readonly #file: string;
  readonly #sourceMap: SourceMap;
  readonly #list: Diagnostic[] = [];
  readonly #seen = new Set<string>();

  constructor(file: string, sourceMap: SourceMap) {
    this.#file = file;
    this.#sourceMap = sourceMap;
  }

  error(code: DiagnosticCode, target: DiagnosticTarget, message: string, fix: string): void {
    this.add('error', code, target, message, fix);
  }

  warning(code: DiagnosticCode, target: DiagnosticTarget, message: string, fix: string): void {
    this.add('warning', code, target, message, fix);
  }

  /** Adds a diagnostic at an already known position (YAML parser errors). */
  addAt(
    severity: DiagnosticSeverity,
    code: DiagnosticCode,
    at: SourcePosition,
    message: string,
    fix: string,
  ): void {
    this.#push({
      severity,
      code,
      file: this.#file,
      line: at.line,
      column: at.column,
      path: '',
      message,
      fix,
    });
  }

  add(
    severity: DiagnosticSeverity,
    code: DiagnosticCode,
    target: DiagnosticTarget,
    message: string,
    fix: string,
  ): void {
    const at =
      target.within === undefined
        ? this.#sourceMap.locate(target.path, target.part ?? 'value')
        : this.#sourceMap.locateWithin(target.path, target.within);
    const path = formatPath(target.path);
    this.#push({ severity, code, file: this.#file, line: at.line, column: at.column, path, message, fix });
  }

  get hasErrors(): boolean {
    return this.#list.some((d) => d.severity === 'error');
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.#list;
  }

  #push(d: Diagnostic): void {
    // The same problem reached twice (e.g. through a YAML alias) is reported once.
    const key = `${d.line}:${d.column}:${d.code}:${d.message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#list.push(Object.freeze(d));
  }
}
