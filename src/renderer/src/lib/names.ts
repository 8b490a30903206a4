// Names the app suggests: a folder's last path component as a valid domain name ("Field Notes" -> "Field-Notes").

export function domainNameFromFolder(folder: string): string {
  const last =
    folder
      .trim()
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .at(-1) ?? '';
  return last
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.]+/, '')
    .slice(0, 64);
}
