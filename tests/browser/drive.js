// Drives headless Chromium for tests/browser: reads {playwright, chromium, visits} as JSON on
// stdin, opens each visit's page in a fresh context, calls the page's function with its args, and
// prints [{result} | {error}, ...] as JSON on stdout (with the page's console, for diagnosis).
"use strict";

const { readStdin } = require("./driving.js");

const VISIT_MS = 20000;

function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}


async function visit(browser, { url, call, args }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const console = [];
  page.on("console", (message) => console.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => console.push(`pageerror: ${error.message}`));
  try {
    await page.goto(url, { timeout: VISIT_MS });
    const result = await within(
      VISIT_MS,
      page.evaluate(([name, given]) => window[name](given), [call, args]),
      `${call} on ${url}`,
    );
    return { result, console };
  } catch (error) {
    return { error: String(error && error.stack || error), console };
  } finally {
    await context.close();
  }
}

async function main() {
  const { playwright, chromium: executablePath, visits } = await readStdin();
  const { chromium } = require(playwright);
  const browser = await chromium.launch({ executablePath, headless: true, timeout: VISIT_MS });
  try {
    const results = [];
    for (const each of visits) results.push(await visit(browser, each));
    process.stdout.write(JSON.stringify(results));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exit(1);
});
