// Drive the official Bitwarden SDK (@bitwarden/sdk-napi, the Rust SDK as a
// Node addon) through its raw command interface, one JSON command per
// argument, and print one JSON result per line.
//
//   node sdk_client.js API_URL IDENTITY_URL ACCESS_TOKEN CMD_JSON...
//
// NODE_PATH must reach the installed package (tests/peers/build.sh puts it
// in $PEERS/sdk-napi-1.0.0/node_modules). The access token is read from
// the environment variable BWS_ACCESS_TOKEN when ACCESS_TOKEN is "-".
"use strict";
const { BitwardenClient } = require("@bitwarden/sdk-napi/binding");

async function main() {
  const [apiUrl, identityUrl, tokenArg, ...cmds] = process.argv.slice(2);
  const token = tokenArg === "-" ? process.env.BWS_ACCESS_TOKEN : tokenArg;
  const settings = { apiUrl, identityUrl, userAgent: "Bitwarden Rust-SDK", deviceType: "SDK" };
  const client = new BitwardenClient(JSON.stringify(settings), 4);
  const login = JSON.parse(
    await client.runCommand(JSON.stringify({ loginAccessToken: { accessToken: token, stateFile: null } })),
  );
  process.stdout.write(JSON.stringify({ op: "login", result: login }) + "\n");
  for (const c of cmds) {
    const out = JSON.parse(await client.runCommand(c));
    process.stdout.write(JSON.stringify({ op: JSON.parse(c), result: out }) + "\n");
  }
}

main().catch((e) => {
  process.stderr.write(String(e) + "\n");
  process.exit(1);
});
