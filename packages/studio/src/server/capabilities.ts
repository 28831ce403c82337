/**
 * Which stylise options the installed `@pastiche/style` understands. The
 * engine grows controls (several styles, original colours, masks) on its own
 * schedule; the studio offers a control only when `resolveSettings` keeps the
 * option in the settings it returns, so a missing feature is a disabled
 * control with a reason, never a silently ignored one.
 */
import { PRESET_NAMES, resolveSettings } from '@pastiche/style';

/** What the engine supports, as the front end sees it. */
export interface Capabilities {
  /** Several style images with blend weights (`style` as an array + `styleBlendWeights`). */
  multiStyle: boolean;
  /** `originalColors: true`: keep the content's colours. */
  originalColors: boolean;
  /** `styleMasks`: one greyscale mask per style image. */
  styleMasks: boolean;
  /** Preset names. */
  presets: string[];
}

function keeps(option: string, value: unknown, settingKey = option): boolean {
  try {
    // styleCount: how many style images the probe pretends to have (engines without it ignore it).
    const probe = { [option]: value, styleCount: 2 } as Parameters<typeof resolveSettings>[0];
    const s = resolveSettings(probe) as unknown as Record<string, unknown>;
    return settingKey in s;
  } catch {
    // An engine that validates the option but rejects this probe still knows it.
    return true;
  }
}

/** Probes the engine once; see the module comment. */
export function detectCapabilities(): Capabilities {
  const multiStyle = keeps('styleBlendWeights', [1, 1]);
  return {
    multiStyle,
    originalColors: keeps('originalColors', true),
    // Masks are stylize() inputs, not settings, so resolveSettings cannot show them; the engine
    // that blends several styles (guided Grams) is the one that takes them.
    styleMasks: multiStyle,
    presets: [...PRESET_NAMES],
  };
}
