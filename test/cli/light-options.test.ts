// The light-expert flags of `grove add` and `grove branch`, parsed by commander as the commands parse them:
// --light-start exact|svd reaches the API's light settings; it is refused without --light and when it names
// no start, with the way to fix it.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { lightOf, lightOptions, type LightOpts } from '../../src/cli/light-options';

function parse(...args: string[]) {
  const cmd = lightOptions(new Command('add').exitOverride());
  cmd.parse(args, { from: 'user' });
  return lightOf(cmd.opts<LightOpts>());
}

describe('light options', () => {
  it('passes the start a light branch takes, and none when it is not given', () => {
    expect(parse('--light', '--rank', '8', '--light-start', 'svd')).toEqual({ rank: 8, start: 'svd' });
    expect(parse('--light', '--light-start', 'exact')).toEqual({ rank: 16, start: 'exact' });
    expect(parse('--light')).toEqual({ rank: 16 });
    expect(parse()).toBeUndefined();
  });

  it('refuses --light-start without --light, and a start that is not exact or svd', () => {
    expect(() => parse('--light-start', 'svd')).toThrow(
      /--light-start sets up a light expert; add --light \(or leave it out for a full one\)/,
    );
    expect(() => parse('--rank', '4', '--light-start', 'svd')).toThrow(/--rank and --light-start set up a light expert; add --light/);
    expect(() => parse('--light', '--light-start', 'truncated')).toThrow(/--light-start must be exact or svd .*not "truncated"/);
  });
});
