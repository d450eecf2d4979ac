"""The connectome as a controller: a graph-wired recurrent policy trained by evolution
strategies (or by gradients) on motor tasks (gymnasium) and a non-motor task
(sequential digits).

numpy only on the ES training path (gymnasium for the motor tasks); importing this
package never imports torch (only the gradient trainer does).

- :mod:`~topocli.control.policy`: the graph's recurrent rate network (sensory in, motor
  out, weights on edges, Dale's signs or free) and an MLP of equal parameter count.
- :mod:`~topocli.control.tasks`: cartpole, acrobot, pendulum, swimmer, digits-seq.
- :mod:`~topocli.control.es`: OpenAI evolution strategies, resumable per generation.
- :mod:`~topocli.control.gradient`: the same policies trained by torch autograd
  (REINFORCE; cross-entropy through time on digits-seq).
- :mod:`~topocli.control.run`: :func:`train_controller`, the recipe.
"""

from topocli.control.es import centred_ranks
from topocli.control.policy import (
    POLICIES,
    SIGNS,
    GraphPolicy,
    MLPPolicy,
    equal_parameter_mlp,
    input_output_nodes,
)
from topocli.control.run import ControlConfig, control_graph, train_controller
from topocli.control.tasks import CONTROL_TASKS, make_task

__all__ = ["CONTROL_TASKS", "ControlConfig", "GraphPolicy", "MLPPolicy", "POLICIES", "SIGNS",
           "centred_ranks", "control_graph", "equal_parameter_mlp", "input_output_nodes",
           "make_task", "train_controller"]
