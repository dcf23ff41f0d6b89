/**
 * systemd's unit-name escaping of a file system path (`systemd-escape --path`,
 * unit_name_path_escape() in src/basic/unit-name.c), so the name of the mount unit a
 * data mount becomes is known before boot. The instance side names its units with the
 * same algorithm; test/domain-pack/systemd-escape.test.ts compares it with the real
 * binary when one is installed.
 *
 * - the path is simplified (duplicate and trailing slashes dropped); "." and ".."
 *   segments are refused, as systemd refuses them;
 * - "/" alone becomes "-"; otherwise the leading and trailing "/" are dropped;
 * - each remaining "/" becomes "-";
 * - a leading ".", every byte outside [A-Za-z0-9:_.] and "-" and "\" become \xNN
 *   (lower-case hex of each UTF-8 byte).
 */
export function systemdEscapePath(path: string): string {
  const segments = path.split('/').filter((segment) => segment !== '')
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw new Error(`Path ${JSON.stringify(path)} is not normalized: systemd refuses "." and ".." segments.`)
  }
  if (segments.length === 0) return '-'
  return escapeBytes(Buffer.from(segments.join('/'), 'utf8'))
}

function escapeBytes(bytes: Buffer): string {
  let out = ''
  for (const [index, byte] of bytes.entries()) {
    const char = String.fromCharCode(byte)
    if (char === '/') out += '-'
    else if ((index === 0 && char === '.') || !/^[A-Za-z0-9:_.]$/.test(char)) out += `\\x${byte.toString(16).padStart(2, '0')}`
    else out += char
  }
  return out
}

/** The mount unit systemd derives from a mount point, e.g. /data/a-b -> data-a\x2db.mount. */
export function mountUnitName(path: string): string {
  return `${systemdEscapePath(path)}.mount`
}

/**
 * systemd's UNIT_NAME_MAX is 256 including the terminating NUL: a unit name, suffix
 * included, has at most 255 bytes. Longer names make systemd refuse the unit (and the
 * mount point's unit file name exceeds NAME_MAX, ENAMETOOLONG).
 */
export const MAX_UNIT_NAME_BYTES = 255
