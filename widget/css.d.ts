/** bin/build.ts loads *.css imported from widget/ and console-web/ code as a minified string. */
declare module '*.css' {
  const css: string;
  export default css;
}
