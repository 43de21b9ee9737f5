/** The names geomesh coordinates under (mesh, region, instance): one rule for every folder that checks them. */

/** Lowercase letters, digits, `.`, `_` and `-`, 1–63 characters, starting and ending with a letter or digit. */
const NAME = /^[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?$/;

/** True when `name` is a valid mesh, region or instance name. */
export function isValidName(name: string): boolean {
  return NAME.test(name);
}
