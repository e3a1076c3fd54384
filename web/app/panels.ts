import { byId } from './dom.js';

/**
 * On a narrow screen the rooms and the members are panels the user opens with a button in the
 * bar, so the conversation keeps the screen; on a wide one they are columns and the buttons are
 * hidden (style.css).
 */
export function panelToggles(): void {
  const chat = byId('chat');
  for (const name of ['rooms', 'members'] as const) {
    const button = byId<HTMLButtonElement>(`show-${name}`);
    const panel = byId(`${name}-panel`);
    button.addEventListener('click', () => {
      const open = button.getAttribute('aria-expanded') !== 'true';
      for (const other of ['rooms', 'members']) {
        byId(`show-${other}`).setAttribute('aria-expanded', 'false');
        chat.classList.remove(`show-${other}`);
      }
      button.setAttribute('aria-expanded', String(open));
      chat.classList.toggle(`show-${name}`, open);
      if (open) panel.querySelector<HTMLElement>('button, input')?.focus();
    });
  }
}

/** Closes an open panel (after the user chose something in it). */
export function closePanels(): void {
  const chat = byId('chat');
  for (const name of ['rooms', 'members']) {
    byId(`show-${name}`).setAttribute('aria-expanded', 'false');
    chat.classList.remove(`show-${name}`);
  }
}
