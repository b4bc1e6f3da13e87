// The course's maths typesetter: it typesets nothing. The course has no mathematics, and Voila's default
// typesetter (MathJax 3, bundled in Voila) loads about 900 KB of script into every page just as the page's
// widgets are drawn. The template points Voila's MathJax 2 setting (fullMathjaxUrl) here instead, so this
// file stands in for MathJax 2 with the calls Voila's typesetter makes (Hub.Config, Register.StartupHook,
// Configured, Queue), each doing nothing: text between dollar signs stays exactly as it was written.
"use strict";
window.MathJax = {
  Hub: {
    Config() {},
    Configured() {},
    Queue() {},
    Register: { StartupHook() {} },
  },
  Ajax: {},
  InputJax: { TeX: { resetEquationNumbers() {} } },
};
