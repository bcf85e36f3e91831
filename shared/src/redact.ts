/**
 * Removes credentials from a source URL before it reaches a log line, a
 * status object or an API response: `rtsp://admin:pw@cam/stream` becomes
 * `rtsp://***@cam/stream`. Query parameters that look like secrets are
 * masked as well, and so is an RTMP stream key (the last path segment: whoever
 * knows it can publish). Anything that does not parse as a URL is returned as is
 * (device paths, `test`).
 */
const SECRET_PARAM =
  /^(pass(word)?|pwd|token|key|secret|auth|signature|sig|x-amz-signature|x-amz-credential)$/i;

export function redactUrl(source: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return source;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return source.replace(/\/\/[^@/]*@/, "//***@");
  }
  const hadCredentials = url.username !== "" || url.password !== "";
  url.username = "";
  url.password = "";
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) url.searchParams.set(name, "***");
  }
  if (/^rtmps?:$/.test(url.protocol)) url.pathname = url.pathname.replace(/[^/]+$/, "***");
  let text = url.toString();
  if (hadCredentials) text = text.replace("://", "://***@");
  return text;
}
