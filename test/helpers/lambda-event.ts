/** What a Lambda handler returns for a Function URL event. */
export type LambdaResult = {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
};

/** A Function URL event (payload 2.0) as AWS documents it. */
export function functionUrlEvent(
  rawPath: string,
  rawQueryString: string,
  headers: Record<string, string> = {},
) {
  const domainName = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws";
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers: {
      host: domainName,
      "x-forwarded-proto": "https",
      "x-forwarded-for": "203.0.113.7",
      "user-agent": "hls.js",
      accept: "*/*",
      ...headers,
    },
    ...(rawQueryString
      ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) }
      : {}),
    requestContext: {
      accountId: "anonymous",
      apiId: "abcdefghijklmnopqrstuvwxyz012345",
      domainName,
      domainPrefix: "abcdefghijklmnopqrstuvwxyz012345",
      http: {
        method: "GET",
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "hls.js",
      },
      requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
      routeKey: "$default",
      stage: "$default",
      time: "22/Nov/2026:10:40:00 +0000",
      timeEpoch: Date.UTC(2026, 10, 22, 10, 40),
    },
    isBase64Encoded: false,
  };
}
