/** What the request-check tests share. */

/** The error `check` throws, or `{ code: 'accepted' }` when it throws none. */
export function refusal(check: () => void): { code: string; message: string } {
  try {
    check();
  } catch (err) {
    return err as { code: string; message: string };
  }
  return { code: 'accepted', message: '' };
}

/** Asserts each case is refused with its status (`GEOMESH_RPC_<status>`) and a message matching its pattern. */
export function assertRefusals(
  cases: readonly (readonly [string, () => void, string, RegExp])[],
  equal: (actual: unknown, expected: unknown, message: string) => void,
  match: (actual: string, pattern: RegExp, message: string) => void,
): void {
  for (const [what, check, code, message] of cases) {
    const err = refusal(check);
    equal(err.code, `GEOMESH_RPC_${code}`, `${what}: ${err.message}`);
    match(err.message, message, what);
  }
}
