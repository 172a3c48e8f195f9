import { testEndpoints } from "./endpoints.js";

/** A Swift API request as the test account (tempauth), for test set-up and clean-up. */

export async function swiftRequest(
  method: string,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const ep = testEndpoints();
  const auth = await fetch(ep.swiftV1.authUrl, {
    headers: { "x-auth-user": ep.swiftV1.user, "x-auth-key": ep.swiftV1.key },
  });
  await auth.text();
  if (!auth.ok) throw new Error(`Swift auth failed: ${auth.status}`);
  const headers = {
    ...(init.headers as Record<string, string> | undefined),
    "x-auth-token": auth.headers.get("x-auth-token") ?? "",
  };
  return fetch(`${auth.headers.get("x-storage-url") ?? ""}${path}`, {
    ...init,
    method,
    headers,
  });
}

/** Every object name in a container, or `undefined` when there is no such container. */
export async function containerObjects(
  container: string,
): Promise<string[] | undefined> {
  const names: string[] = [];
  for (;;) {
    const query = new URLSearchParams({
      format: "json",
      marker: names.at(-1) ?? "",
    });
    const response = await swiftRequest(
      "GET",
      `/${encodeURIComponent(container)}?${query.toString()}`,
    );
    if (response.status === 404) {
      await response.text();
      return undefined;
    }
    const page =
      response.status === 204
        ? []
        : ((await response.json()) as { name: string }[]);
    if (page.length === 0) return names;
    names.push(...page.map((p) => p.name));
  }
}

/**
 * Removes a bucket/container (S3 buckets are Swift containers on the test server) with its
 * Swift `_segments` and s3api `+segments` companions, and everything in them.
 */
export async function dropContainer(container: string): Promise<void> {
  for (const name of [
    container,
    `${container}_segments`,
    `${container}+segments`,
  ]) {
    const names = await containerObjects(name);
    if (names === undefined) continue;
    for (let i = 0; i < names.length; i += 1000) {
      const body = names
        .slice(i, i + 1000)
        .map(
          (n) =>
            `/${encodeURIComponent(name)}/${n.split("/").map(encodeURIComponent).join("/")}`,
        )
        .join("\n");
      await (
        await swiftRequest("POST", "?bulk-delete", {
          body,
          headers: { "content-type": "text/plain", accept: "application/json" },
        })
      ).text();
    }
    await (await swiftRequest("DELETE", `/${encodeURIComponent(name)}`)).text();
  }
}
