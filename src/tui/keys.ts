/** Every key binding, in one list: the help screen prints it, the app's handlers follow it. */
export interface Binding {
  keys: string;
  does: string;
}

export const BINDINGS: { section: string; bindings: Binding[] }[] = [
  {
    section: 'Move',
    bindings: [
      { keys: '↑ ↓  k j', does: 'previous / next memory' },
      { keys: 'PgUp PgDn  Ctrl-U Ctrl-D', does: 'a page up / down' },
      { keys: 'Home End  g G', does: 'newest / oldest' },
    ],
  },
  {
    section: 'Find',
    bindings: [
      { keys: '/', does: 'a new search, as you type (Enter keeps the results, Esc clears)' },
      { keys: 't  T', does: 'next / previous type filter' },
      { keys: 'Esc', does: 'clear the search and the type filter' },
    ],
  },
  {
    section: 'Detail and links',
    bindings: [
      { keys: 'Tab  Shift-Tab', does: 'choose the next / previous link' },
      { keys: 'Enter', does: 'follow the chosen link (in other views: open the memory)' },
      { keys: 'Backspace  b', does: 'back to where the link was followed from' },
    ],
  },
  {
    section: 'Views',
    bindings: [
      { keys: '1', does: 'timeline' },
      { keys: '2', does: 'ADRs: status and history' },
      { keys: '3', does: 'deployments by component' },
      { keys: '4', does: 'federation peers' },
      { keys: '5', does: 'covenant findings' },
    ],
  },
  {
    section: 'Other',
    bindings: [
      { keys: '?', does: 'this help (any key closes it)' },
      { keys: 'q  Ctrl-C', does: 'quit' },
    ],
  },
];
